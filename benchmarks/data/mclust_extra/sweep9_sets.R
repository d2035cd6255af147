# A ninth sweep, on its own: 29 sets new to the package, from a check of
# the default search on data it had never seen (2026-12-07). Twenty public
# sets, mostly continuous: spirals and 1,500 rows of spam (three log
# capital-run features) from kernlab, unicef (log under-5 mortality) and
# grevillea from ks, milk, pulpfiber and three bands of radarImage from
# robustbase, Ginzberg from carData, five log metal contents of jura from
# gstat, Exam (4,059 rows) from mlmRev, oils, meats and concrete from
# modeldata, log aircraft from sm, six columns of bodyfat from TH.data, log
# engel from quantreg, five bands of Sonar from mlbench, synth.te from MASS,
# beaver1's temperatures and LakeHuron from R's datasets; and nine draws of
# mclust::sim of drawn parameters of a named structure (VVV, EVE twice, VEV,
# VVI, EEV, VEE, VVE, EVV), 400 to 3,000 rows, 2 to 5 features, 2 to 6
# clusters. Three sets have more than 2,000 rows (mclust's hierarchical start
# is one draw of its subset), so the script is run alone, from the
# repository root:
#
#   Rscript benchmarks/data/mclust_extra/sweep9_sets.R [output_dir]

suppressPackageStartupMessages({ library(mclust); library(MASS) })
source(file.path("benchmarks", "data", "mclust_extra", "write_tables.R"))

# Parameters of a structure (volume, shape, orientation as its name says),
# drawn from `seed`, and `n` rows of its mixture.
rot <- function(d) qr.Q(qr(matrix(rnorm(d * d), d)))
make_params <- function(model, d, K, sep) {
  vol <- substr(model, 1, 1); shp <- substr(model, 2, 2); ori <- substr(model, 3, 3)
  scale <- if (vol == "E") rep(exp(rnorm(1, 0, .3)), K) else exp(rnorm(K, 0, .5))
  dshape <- function() { a <- exp(rnorm(d, 0, .8)); a / prod(a)^(1 / d) }
  shape <- if (shp == "E") matrix(dshape(), d, K) else sapply(1:K, function(k) dshape())
  shape <- matrix(shape, d, K)
  O <- if (ori == "I") replicate(K, diag(d)) else if (ori == "E") replicate(K, rot(d)) [, , rep(1, K), drop = FALSE] else replicate(K, rot(d))
  O <- array(O, c(d, d, K))
  sigma <- array(0, c(d, d, K))
  for (k in 1:K) sigma[, , k] <- O[, , k] %*% diag(scale[k] * shape[, k], d) %*% t(O[, , k])
  variance <- list(modelName = model, d = d, G = K, sigma = sigma,
                   cholsigma = array(apply(sigma, 3, chol), c(d, d, K)),
                   scale = if (vol == "E") scale[1] else scale,
                   shape = if (shp == "E") shape[, 1] else shape,
                   orientation = if (ori == "E") O[, , 1] else O)
  if (model %in% c("EEE", "VEE", "EVE", "VVE")) variance$Sigma <- sigma[, , 1]
  if (model == "EEE") variance$cholSigma <- chol(sigma[, , 1])
  pro <- { p <- runif(K, .5, 1.5); p / sum(p) }
  mean <- matrix(rnorm(d * K, 0, sep), d, K)
  list(pro = pro, mean = mean, variance = variance)
}
simset <- function(model, n, d, K, sep, seed) {
  set.seed(seed)
  p <- make_params(model, d, K, sep)
  x <- sim(model, p, n, seed = seed + 1)[, -1, drop = FALSE]
  colnames(x) <- paste0("x", 1:d); x
}


build <- list(
  spirals = function() { data(spirals, package = "kernlab"); x <- spirals; colnames(x) <- c("x1", "x2"); x },
  spam3 = function() { data(spam, package = "kernlab"); set.seed(7); i <- sort(sample(nrow(spam), 1500))
    log(as.matrix(spam[i, c("capitalAve", "capitalLong", "capitalTotal")])) },
  unicef = function() { data(unicef, package = "ks"); x <- as.matrix(unicef); cbind(lu5 = log(x[, 1]), life = x[, 2]) },
  grevillea = function() { data(grevillea, package = "ks"); as.matrix(grevillea) },
  milk = function() { data(milk, package = "robustbase"); as.matrix(milk) },
  pulpfiber = function() { data(pulpfiber, package = "robustbase"); as.matrix(pulpfiber) },
  radar3 = function() { data(radarImage, package = "robustbase"); as.matrix(radarImage[, 3:5]) },
  ginzberg = function() as.matrix(carData::Ginzberg[, c("simplicity", "fatalism", "depression")]),
  jura5 = function() { data(jura, package = "gstat"); log(as.matrix(prediction.dat[, c("Cd", "Cu", "Ni", "Pb", "Zn")])) },
  exam = function() { data(Exam, package = "mlmRev"); as.matrix(Exam[, c("normexam", "standLRT")]) },
  oils4 = function() { data(oils, package = "modeldata"); as.matrix(oils[, c("palmitic", "stearic", "oleic", "linoleic")]) },
  meats3 = function() { data(meats, package = "modeldata"); as.matrix(meats[, c("water", "fat", "protein")]) },
  concrete3 = function() { data(concrete, package = "modeldata");
    cbind(cement = concrete$cement, water = concrete$water, lstrength = log(concrete$compressive_strength)) },
  laircraft = function() { data(aircraft, package = "sm"); log(as.matrix(aircraft[, c("Power", "Span", "Length", "Weight", "Speed", "Range")])) },
  bodyfat6 = function() { data(bodyfat, package = "TH.data"); as.matrix(bodyfat[, c("age", "DEXfat", "waistcirc", "hipcirc", "elbowbreadth", "kneebreadth")]) },
  lengel = function() { data(engel, package = "quantreg"); log(as.matrix(engel)) },
  sonar5 = function() { data(Sonar, package = "mlbench"); as.matrix(Sonar[, 9:13]) },
  synth_te = function() as.matrix(MASS::synth.te[, 1:2]),
  beaver1 = function() one(beaver1$temp),
  lakehuron = function() one(LakeHuron),
  m_vvv = function() simset("VVV", 800, 3, 4, 2.5, 101),
  m_eve = function() simset("EVE", 1500, 2, 3, 2.0, 102),
  m_vev = function() simset("VEV", 600, 4, 3, 2.0, 103),
  m_vvi = function() simset("VVI", 2500, 5, 5, 2.5, 104),
  m_eev = function() simset("EEV", 400, 2, 6, 2.0, 105),
  m_vee = function() simset("VEE", 1200, 3, 2, 1.5, 106),
  m_vve = function() simset("VVE", 3000, 2, 4, 2.0, 107),
  m_evv = function() simset("EVV", 900, 4, 3, 2.0, 108),
  m_eve4 = function() simset("EVE", 1000, 3, 4, 4.0, 109)
)
set.seed(20261207)
sets <- lapply(build, function(make) {
  X <- make()
  storage.mode(X) <- "double"
  if (is.null(colnames(X))) colnames(X) <- paste0("x", seq_len(ncol(X)))
  X[complete.cases(X), , drop = FALSE]
})
write_tables(sets, sweep_out_dir())
