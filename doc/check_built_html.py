"""Check a built HTML documentation tree: offline, and API titles whole.

Run after the Sphinx build::

    python doc/check_built_html.py BUILD_DIR

and it exits non-zero, listing every problem, when

- a page loads anything from outside the build: a ``<script src>``,
  ``<link href>`` (stylesheet, preload, icon...), ``<img>``, ``<iframe>``,
  ``<source>``, ``<video>``, ``<audio>``, ``<embed>`` or ``<object>`` whose
  address is ``http:``, ``https:`` or protocol-relative (``//host/...``), or a
  ``<style>`` block or ``style=`` attribute with such a ``url(...)`` or
  ``@import``; a local address that leaves the build directory or names a
  file that is not there counts too;
- a stylesheet in the build imports or uses a remote ``url(...)`` (a web
  font, say);
- a page with mathematics does not load MathJax from the build itself (so
  that formulas render offline instead of showing as raw LaTeX);
- an API page (``generated/<dotted.name>.html``) does not have the whole
  dotted name of its object as its ``<h1>`` and at the start of its
  ``<title>``, or its ``<h1>`` has no ``<wbr>`` line-break opportunity after
  each dot (the theme's heading is wider than the column for a long dotted
  name, and clips a heading that cannot wrap).

Only the standard library is used.
"""

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes through which a page loads a resource, by tag.
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
# <link rel=...> values that name a related page, not a resource to load.
NAVIGATION_RELS = {
    "index",
    "search",
    "next",
    "prev",
    "previous",
    "up",
    "first",
    "last",
    "author",
    "license",
    "help",
    "alternate",
    "canonical",
    "copyright",
}
CSS_REMOTE = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""",
    re.IGNORECASE,
)
# Markup that the HTML parser hands over as the text of a <style> block
# (sphinx-gallery once put <link> tags there).
TAG_IN_STYLE_REMOTE = re.compile(
    r"""(?:href|src)\s*=\s*['"]?((?:https?:)?//[^'"\s>]+)""", re.IGNORECASE
)
MATHJAX_SCRIPT = re.compile(r"(^|/)mathjax/[^/]+\.js$", re.IGNORECASE)


def is_remote(url):
    """Whether ``url`` points outside the build: a scheme or ``//host``."""
    url = url.strip()
    if url.startswith("//"):
        return True
    scheme = urlsplit(url).scheme.lower()
    return scheme not in ("", "file", "data", "blob", "about", "javascript")


class PageParser(HTMLParser):
    """Collect what a page loads, its <title>, its first <h1> and its math."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads = []  # (tag, attribute, url)
        self.inline_css = []
        self.title = None
        self.h1 = None
        self.has_math = False
        self._in_title = False
        self._in_style = False
        self._h1_depth = 0
        self._h1_parts = []
        self.h1_breaks = 0  # <wbr> in the heading's text
        self._title_parts = []
        self._seen_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for attribute in LOADING_ATTRIBUTES.get(tag, ()):
            value = attrs.get(attribute)
            if not value:
                continue
            if tag == "link":
                rels = set((attrs.get("rel") or "").lower().split())
                if rels and rels <= NAVIGATION_RELS:
                    continue
            if attribute == "srcset":
                urls = [part.split()[0] for part in value.split(",") if part.split()]
            else:
                urls = [value]
            self.loads.extend((tag, attribute, url) for url in urls)
        if attrs.get("style"):
            self.inline_css.append(attrs["style"])
        if "math" in (attrs.get("class") or "").split():
            self.has_math = True
        if tag == "title":
            self._in_title = True
        elif tag == "style":
            self._in_style = True
        elif tag == "h1" and not self._seen_h1:
            self._h1_depth = 1
        elif tag == "wbr" and self._h1_depth == 1:
            self.h1_breaks += 1
        elif (
            self._h1_depth
            and tag == "a"
            and "headerlink" in (attrs.get("class") or "").split()
        ):
            # The pilcrow/"#" link after the heading's text is not its text.
            self._h1_depth = -1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
            self.title = "".join(self._title_parts).strip()
        elif tag == "style":
            self._in_style = False
        elif tag == "h1" and self._h1_depth:
            self._h1_depth = 0
            self._seen_h1 = True
            self.h1 = "".join(self._h1_parts).strip()

    def handle_data(self, data):
        if self._in_title:
            self._title_parts.append(data)
        elif self._in_style:
            self.inline_css.append(data)
        elif self._h1_depth == 1:
            self._h1_parts.append(data)


def check_local(url, page, root):
    """A problem with a local address, or None when its file is in the build."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "javascript") or not parts.path:
        return None
    target = (page.parent / unquote(parts.path)).resolve()
    if not target.is_relative_to(root):
        return f"points outside the build directory: {url}"
    if not target.exists():
        return f"names a file missing from the build: {url}"
    return None


def check_page(page, root):
    """The problems of one HTML page, as strings."""
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    problems = []
    mathjax_local = False
    for tag, attribute, url in parser.loads:
        if is_remote(url):
            problems.append(f"<{tag} {attribute}> loads a remote resource: {url}")
            continue
        problem = check_local(url, page, root)
        if problem:
            problems.append(f"<{tag} {attribute}> {problem}")
        elif tag == "script" and MATHJAX_SCRIPT.search(urlsplit(url).path):
            mathjax_local = True
    for css in parser.inline_css:
        for url in CSS_REMOTE.findall(css) + TAG_IN_STYLE_REMOTE.findall(css):
            problems.append(f"inline CSS loads a remote resource: {url}")
    if parser.has_math and not mathjax_local:
        problems.append(
            "has mathematics but loads no MathJax from the build "
            "(formulas would show as raw LaTeX offline)"
        )

    relative = page.relative_to(root)
    if relative.parent.name == "generated":
        name = page.stem
        if parser.h1 != name:
            problems.append(
                f"API page's <h1> is {parser.h1!r}, not the object's whole name "
                f"{name!r}"
            )
        elif parser.h1_breaks < name.count("."):
            problems.append(
                f"API page's <h1> {name!r} has {parser.h1_breaks} <wbr> for "
                f"{name.count('.')} dots: the theme clips a long name that "
                "cannot wrap (conf.py adds a <wbr> after each dot)"
            )
        if not (parser.title or "").startswith(name):
            problems.append(
                f"API page's <title> is {parser.title!r}; it should start with "
                f"the object's whole name {name!r}"
            )
    return problems, parser.has_math, relative.parent.name == "generated"


def check_stylesheet(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        f"stylesheet loads a remote resource: {url}" for url in CSS_REMOTE.findall(text)
    ]


def check_build(root):
    """Every problem of the build at ``root``, and counts of what was checked."""
    root = Path(root).resolve()
    # Theme files under _static (a Jinja macro file named .html) are not pages.
    pages = [
        page
        for page in sorted(root.rglob("*.html"))
        if not {".doctrees", "_static", "_sources"} & set(page.relative_to(root).parts)
    ]
    problems = []
    n_math = n_api = 0
    for page in pages:
        page_problems, has_math, is_api = check_page(page, root)
        n_math += has_math
        n_api += is_api
        problems += [f"{page.relative_to(root)}: {p}" for p in page_problems]
    stylesheets = sorted(root.rglob("*.css"))
    for sheet in stylesheets:
        problems += [f"{sheet.relative_to(root)}: {p}" for p in check_stylesheet(sheet)]
    counts = {
        "pages": len(pages),
        "stylesheets": len(stylesheets),
        "pages with math": n_math,
        "API pages": n_api,
    }
    return problems, counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", help="the HTML build directory")
    args = parser.parse_args(argv)
    root = Path(args.build_dir)
    if not (root / "index.html").is_file():
        print(f"error: {root} has no index.html; build the HTML docs first.")
        return 2
    problems, counts = check_build(root)
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    if counts["pages"] == 0 or counts["API pages"] == 0:
        problems.append("no pages or no API pages were found to check")
    if problems:
        print(f"check_built_html: {len(problems)} problem(s) ({summary}):")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"check_built_html: OK ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
