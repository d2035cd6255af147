# A fifth sweep, on its own: six seeded mixtures of 2,000 to 10,000 rows with
# four to eight clusters of random full covariances (2 to 5 features), where
# mclust's hierarchical start is computed on a random subset of 2,000 rows.
# Their tables are one draw of that subset: mclust's values of the cells with
# more components than clusters vary with it (VEI with 9 components on
# s_eight5k_4d: 81807 or 82130 over six seeds), so this script draws the data
# and writes the tables in one session from one seed, and is run alone:
#
#   Rscript benchmarks/data/mclust_extra/sweep5_sets.R [output_dir]

suppressPackageStartupMessages({library(mclust); library(MASS)})
args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
out_dir <- if (length(args) >= 1) args[1] else script_dir
source(file.path(script_dir, "write_tables.R"))

set.seed(20261203)
rot <- function(d) qr.Q(qr(matrix(rnorm(d * d), d)))
randS <- function(d, sd = 0.7) { R <- rot(d); R %*% diag(exp(rnorm(d, 0, sd))) %*% t(R) }
# n rows of K clusters in d features: means N(0, spread^2), random
# orientations and log-normal axis lengths, proportions `props`.
mix <- function(n, K, d, spread, sd = 0.7, props = NULL) {
  if (is.null(props)) props <- rep(1 / K, K)
  z <- sample.int(K, n, replace = TRUE, prob = props)
  mu <- matrix(rnorm(K * d, 0, spread), K)
  X <- matrix(0, n, d)
  for (k in 1:K) {
    i <- which(z == k)
    if (length(i)) X[i, ] <- MASS::mvrnorm(length(i), mu[k, ], randS(d, sd))
  }
  colnames(X) <- paste0("x", 1:d)
  X
}
sets <- list(
  s_six10k_3d = mix(10000, 6, 3, 4),
  s_six10k_2d = mix(10000, 6, 2, 4),
  s_eight5k_4d = mix(5000, 8, 4, 4),
  s_five3k_2d = mix(3000, 5, 2, 3),
  s_seven2k_3d = mix(2000, 7, 3, 5, props = c(.3, .2, .15, .1, .1, .1, .05)),
  s_four8k_5d = mix(8000, 4, 5, 3)
)
write_tables(sets, out_dir)
