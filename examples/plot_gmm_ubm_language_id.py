"""
=====================================================================
Language identification with a universal background model (GMM-UBM)
=====================================================================

Speaker and language recognition systems long used the recipe of Reynolds,
Quatieri and Dunn (2000):

1. cut each recording into short overlapping frames and describe every frame
   by a few cepstral coefficients (MFCCs);
2. fit one Gaussian mixture, the *universal background model* (UBM), to the
   frames of all classes together;
3. model each class by adapting the UBM's means to that class's frames by
   maximum a posteriori estimation
   (:func:`~gmm_estimators.adapt_mixture`);
4. score a test recording by the average over its frames of the
   log-likelihood ratio ``log p_c(x) - log p_UBM(x)``; the class of largest
   score wins.

:class:`~gmm_estimators.GaussianMixtureClassifier` with
``model_type='UBM'`` does steps 2-3 and gives the frame-level ratios through
``decision_function``. This example synthesises "speech" in four invented
languages, computes MFCC-like features with :mod:`scipy` alone, and runs the
recipe end to end.
"""

# %%
# Synthetic speech
# ----------------
# Every language draws its vowels from a shared inventory of eight (each a
# set of three formant frequencies) with its own frequencies of use and its
# own slight accent (formants shifted by a few percent), so the languages
# overlap frame by frame and differ mostly in how often each sound occurs.
# A vowel segment is a glottal impulse train at a random pitch, filtered by
# three resonators at the formants, plus noise.
import matplotlib.pyplot as plt
import numpy as np
from scipy import fft, signal

from gmm_estimators import GaussianMixtureClassifier

RATE = 8000
rng = np.random.RandomState(0)
VOWELS = np.array(
    [
        [300, 870, 2240],
        [400, 2000, 2550],
        [530, 1840, 2480],
        [660, 1720, 2410],
        [730, 1090, 2440],
        [570, 840, 2410],
        [440, 1020, 2240],
        [490, 1350, 1690],
    ]
)
LANGUAGES = ["Aru", "Belen", "Cosi", "Dala"]
USAGE = rng.dirichlet(np.full(len(VOWELS), 0.4), size=len(LANGUAGES))
ACCENT = rng.uniform(0.96, 1.04, size=(len(LANGUAGES), 3))


def resonator(frequency, bandwidth=90.0):
    """Second-order all-pole filter with a resonance at ``frequency`` Hz."""
    radius = np.exp(-np.pi * bandwidth / RATE)
    angle = 2 * np.pi * frequency / RATE
    return [1.0, -2 * radius * np.cos(angle), radius**2]


def utterance(language, seconds, rng):
    """A sequence of vowels of one language, 60 to 160 ms each."""
    parts = []
    while sum(len(p) for p in parts) < seconds * RATE:
        vowel = rng.choice(len(VOWELS), p=USAGE[language])
        length = int(rng.uniform(0.06, 0.16) * RATE)
        period = int(RATE / rng.uniform(90, 220))
        source = np.zeros(length)
        source[rng.randint(period) :: period] = 1.0
        sound = source
        formants = VOWELS[vowel] * ACCENT[language] * rng.uniform(0.97, 1.03, 3)
        for formant in formants:
            sound = signal.lfilter([1.0], resonator(formant), sound)
        sound /= np.abs(sound).max()
        parts.append(sound + 0.01 * rng.randn(length))
    return np.concatenate(parts)[: int(seconds * RATE)]


# %%
# MFCC-like features with scipy
# -----------------------------
# 25 ms Hamming-windowed frames every 10 ms; power spectrum; 20 triangular
# filters equally spaced on the mel scale; log; DCT; keep coefficients 1-12
# (the zeroth, the frame's loudness, is dropped).
FRAME, HOP, N_FFT = 200, 80, 256


def mel(hz):
    return 2595 * np.log10(1 + hz / 700)


def mel_filterbank(n_filters=20):
    edges_mel = np.linspace(mel(50), mel(RATE / 2), n_filters + 2)
    edges = 700 * (10 ** (edges_mel / 2595) - 1)
    bins = np.fft.rfftfreq(N_FFT, 1 / RATE)
    bank = np.zeros((n_filters, bins.size))
    for i in range(n_filters):
        low, mid, high = edges[i : i + 3]
        rising = (bins - low) / (mid - low)
        falling = (high - bins) / (high - mid)
        bank[i] = np.clip(np.minimum(rising, falling), 0, None)
    return bank


BANK = mel_filterbank()


def mfcc(sound, n_coefficients=12):
    starts = np.arange(0, len(sound) - FRAME + 1, HOP)
    frames = sound[starts[:, None] + np.arange(FRAME)] * np.hamming(FRAME)
    power = np.abs(np.fft.rfft(frames, N_FFT)) ** 2
    log_energies = np.log(power @ BANK.T + 1e-10)
    cepstra = fft.dct(log_energies, type=2, norm="ortho", axis=1)
    return cepstra[:, 1 : n_coefficients + 1]


def recordings(n_per_language, seconds, rng):
    features, labels = [], []
    for language in range(len(LANGUAGES)):
        for _ in range(n_per_language):
            features.append(mfcc(utterance(language, seconds, rng)))
            labels.append(language)
    return features, np.array(labels)


train_features, train_labels = recordings(8, 2.0, rng)
test_features, test_labels = recordings(10, 2.0, rng)
X_train = np.vstack(train_features)
y_train = np.repeat(train_labels, [len(f) for f in train_features])
print(f"training frames: {X_train.shape[0]} x {X_train.shape[1]} coefficients")

# %%
# Background model and adaptation
# -------------------------------
# A 16-component diagonal background mixture on all training frames; each
# language's weights and means are adapted to its frames with relevance
# factor 16 (the classifier's default). Speaker recognition usually adapts
# the means only: a speaker changes how sounds are realised. Here
# the languages differ above all in how often each sound is used, which
# the weights carry. The class priors are set equal: the scores then are
# the plain likelihood ratios.
ubm = GaussianMixtureClassifier(
    "UBM",
    n_components=[16],
    covariance_types="diag",
    adapt=("weights", "means"),
    relevance_factor=16.0,
    priors=np.full(len(LANGUAGES), 1 / len(LANGUAGES)),
    random_state=0,
).fit(X_train, y_train)
moved = [np.abs(m.means_ - ubm.background_.means_).mean() for m in ubm.mixtures_]
print("mean shift of the adapted means:", np.round(moved, 3))

# %%
# Scoring recordings
# ------------------
# A recording's score for each language is the mean of its frames' log
# likelihood ratios (``decision_function`` minus the constant log prior).
# Frame by frame the languages are hard to tell apart; averaged over the
# two hundred or so frames of a recording they are not.


def recording_scores(model, features):
    log_prior = np.log(model.priors_)
    return np.array(
        [(model.decision_function(f) - log_prior).mean(0) for f in features]
    )


scores = recording_scores(ubm, test_features)
predicted = scores.argmax(axis=1)
frame_accuracy = np.mean(
    ubm.predict(np.vstack(test_features))
    == np.repeat(test_labels, [len(f) for f in test_features])
)
print(f"frame accuracy:     {frame_accuracy:.3f}")
print(f"recording accuracy: {np.mean(predicted == test_labels):.3f}")

# %%
# The scores of every test recording: each row is a recording, grouped by
# its true language; the brightest cell of a row is the decision.
fig, (ax_scores, ax_confusion) = plt.subplots(1, 2, figsize=(9, 4.5))
image = ax_scores.imshow(scores, aspect="auto", cmap="viridis")
ax_scores.set_xticks(range(len(LANGUAGES)), LANGUAGES)
ax_scores.set_yticks(
    np.arange(len(LANGUAGES)) * 10 + 4.5, [f"{name} recordings" for name in LANGUAGES]
)
ax_scores.set_title("mean frame log-likelihood ratio")
fig.colorbar(image, ax=ax_scores)
confusion = np.zeros((len(LANGUAGES), len(LANGUAGES)), dtype=int)
np.add.at(confusion, (test_labels, predicted), 1)
ax_confusion.imshow(confusion, cmap="Blues")
for (i, j), count in np.ndenumerate(confusion):
    color = "white" if count > confusion.max() / 2 else "black"
    ax_confusion.text(j, i, count, ha="center", va="center", color=color)
ax_confusion.set_xticks(range(len(LANGUAGES)), LANGUAGES)
ax_confusion.set_yticks(range(len(LANGUAGES)), LANGUAGES)
ax_confusion.set_xlabel("predicted")
ax_confusion.set_ylabel("true")
ax_confusion.set_title("recordings")
fig.tight_layout()
plt.show()

# %%
# Why adapt rather than fit each language separately? A mixture fitted to
# one language's frames alone has to estimate 16 components from a few
# thousand correlated frames; the adapted mixtures share the background's
# components, move only those that the language's frames actually visit,
# and so stay comparable: the ratio to the background cancels what all
# languages have in common. For comparison, the means adapted alone, which
# carry the accents but not the frequencies of use: on these recordings both
# name every language, and the frames show what the weights add.
means_only = GaussianMixtureClassifier(
    "UBM",
    n_components=[16],
    covariance_types="diag",
    adapt=("means",),
    priors=np.full(len(LANGUAGES), 1 / len(LANGUAGES)),
    random_state=0,
).fit(X_train, y_train)
accuracy = np.mean(
    recording_scores(means_only, test_features).argmax(axis=1) == test_labels
)
frames_only = np.mean(
    means_only.predict(np.vstack(test_features))
    == np.repeat(test_labels, [len(f) for f in test_features])
)
print(f"recording accuracy, means adapted only: {accuracy:.3f}")
print(f"frame accuracy, means adapted only:     {frames_only:.3f}")
