# The thirty data sets of a fourth sweep, for make_extra.R (which sources this
# file and writes their tables with the others). Public data: Rubber,
# cabbages, immer and leuk from MASS; chickwts and beaver2 from R's datasets
# (one feature); USArrests and four columns of mtcars standardised; Duncan,
# Freedman, UN, States and Salaries from carData; six columns of Ionosphere
# and four of Ozone (whose inversion base height is capped at 5000: 67 rows
# on one plane) from mlbench; palmerpenguins standardised. Seeded
# synthetic sets ("c_"): four components in 5-D and three in 8-D of random
# full covariances, t-distributed clusters (3 degrees of freedom), log-normal
# clusters, two clusters with 15 uniform outliers, clusters of 500, 50 and
# 12 rows, a banana, heavily overlapping clusters, features in units 1e-3,
# 1 and 1e4 apart, integer-rounded clusters in 3-D, a uniform square, two
# clusters on a line in 3-D, a ring and seven clusters on a circle.
#
# Needs the R packages carData, mlbench and palmerpenguins besides mclust
# and MASS (Debian: r-cran-cardata r-cran-mlbench r-cran-palmerpenguins).

sweep4_sets <- function() {
  data(Duncan, Freedman, UN, States, Salaries, package = "carData")
  data(Ionosphere, Ozone, package = "mlbench")
  rot <- function(d) qr.Q(qr(matrix(rnorm(d * d), d)))
  rmvt3 <- function(n, mu, S, df = 3) {
    z <- MASS::mvrnorm(n, rep(0, length(mu)), S)
    w <- sqrt(df / rchisq(n, df)); sweep(z * w, 2, mu, "+")
  }
  randS <- function(d, sd = 0.7) { R <- rot(d); R %*% diag(exp(rnorm(d, 0, sd))) %*% t(R) }
  build <- list(
    rubber = function() as.matrix(Rubber),
    cabbages2 = function() as.matrix(cabbages[, c("HeadWt", "VitC")]),
    immer2 = function() as.matrix(immer[, c("Y1", "Y2")]),
    leuk2 = function() cbind(lwbc = log(leuk$wbc), time = leuk$time),
    chickwts1 = function() matrix(chickwts$weight, dimnames = list(NULL, "w")),
    beaver2 = function() matrix(beaver2$temp, dimnames = list(NULL, "temp")),
    usarrests_sc = function() scale(as.matrix(USArrests)),
    mtcars_sc4 = function() scale(as.matrix(mtcars[, c("mpg", "disp", "hp", "wt")])),
    duncan = function() as.matrix(Duncan[, c("income", "education", "prestige")]),
    freedman = function() as.matrix(na.omit(Freedman)),
    un3 = function() as.matrix(na.omit(UN[, c("fertility", "lifeExpF", "pctUrban")])),
    states4 = function() as.matrix(States[, c("SATV", "SATM", "percent", "pay")]),
    salaries2 = function() as.matrix(Salaries[, c("yrs.since.phd", "salary")]),
    iono6 = function() as.matrix(Ionosphere[, c(3, 5, 7, 9, 11, 13)]),
    ozone4 = function() as.matrix(sapply(na.omit(Ozone[, c(4, 8, 9, 10)]), as.numeric)),
    penguins_sc = function() scale(as.matrix(na.omit(palmerpenguins::penguins[, 3:6]))),
    # seeded synthetic sets
    c_5d = function() { set.seed(201); do.call(rbind, lapply(1:4, function(k)
      mvrnorm(c(250, 150, 120, 80)[k], rnorm(5, 0, 2.5), randS(5)))) },
    c_8d = function() { set.seed(202); do.call(rbind, lapply(1:3, function(k)
      mvrnorm(c(300, 250, 150)[k], rnorm(8, 0, 2), randS(8, 0.5)))) },
    c_t3d = function() { set.seed(203); rbind(rmvt3(250, c(0, 0, 0), diag(3)),
      rmvt3(200, c(5, 2, 0), randS(3)), rmvt3(150, c(0, 6, 3), randS(3))) },
    c_lognormal = function() { set.seed(204); rbind(exp(mvrnorm(300, c(0, 0), diag(c(.3, .3)))),
      exp(mvrnorm(200, c(1.5, 1), matrix(c(.2, .1, .1, .2), 2)))) },
    c_outliers = function() { set.seed(205); rbind(mvrnorm(200, c(0, 0), diag(2)),
      mvrnorm(200, c(5, 0), matrix(c(1, .6, .6, 1), 2)), cbind(runif(15, -10, 15), runif(15, -10, 10))) },
    c_sizes3d = function() { set.seed(206); rbind(mvrnorm(500, c(0, 0, 0), diag(3)),
      mvrnorm(50, c(4, 4, 0), 0.3 * diag(3)), mvrnorm(12, c(-4, 3, 3), 0.2 * diag(3))) },
    c_banana = function() { set.seed(207); t <- runif(400, -2, 2); cbind(t, t^2 + rnorm(400, 0, 0.3)) },
    c_overlap = function() { set.seed(208); rbind(mvrnorm(300, c(0, 0), matrix(c(3, 2.5, 2.5, 3), 2)),
      mvrnorm(300, c(1, -1), matrix(c(1, -.2, -.2, .4), 2))) },
    c_units = function() { set.seed(209); x <- rbind(mvrnorm(200, c(0, 0, 0), diag(3)), mvrnorm(200, c(3, -2, 1), randS(3)));
      sweep(x, 2, c(1e-3, 1, 1e4), "*") },
    c_round3d = function() { set.seed(210); round(rbind(mvrnorm(200, c(0, 0, 0), diag(3)),
      mvrnorm(200, c(4, 1, -2), diag(c(1, 2, 1))))) },
    c_uniform2d = function() { set.seed(211); cbind(runif(400), runif(400)) },
    c_line3d = function() { set.seed(212); t <- c(rnorm(200, 0, 1), rnorm(200, 5, 1));
      cbind(t, 2 * t + rnorm(400, 0, 0.05), -t + rnorm(400, 0, 0.05)) },
    c_ring = function() { set.seed(213); a <- runif(500, 0, 2 * pi); r <- 3 + rnorm(500, 0, 0.2); cbind(r * cos(a), r * sin(a)) },
    c_many = function() { set.seed(214); do.call(rbind, lapply(1:7, function(k)
      mvrnorm(60, c(cos(2 * pi * k / 7), sin(2 * pi * k / 7)) * 6, randS(2, 0.3)))) }
  )
  sets <- lapply(build, function(f) {
    X <- f(); storage.mode(X) <- "double"
    if (is.null(colnames(X))) colnames(X) <- paste0("x", seq_len(ncol(X)))
    X
  })
  sets
}
