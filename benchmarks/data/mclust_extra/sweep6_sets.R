# A sixth sweep, on its own: public sets not used before (MASS's wtloss,
# survey, Melanoma, nlschools and Rabbit, R's tree-ring series) and three
# seeded mixtures (parallel elongated
# clusters in 3-D, unequal proportions in 2-D, three clusters in 6-D). Run
# alone, as sweep5_sets.R (nlschools has more than 2,000 rows: mclust's
# hierarchical start is then one draw of its subset):
#
#   Rscript benchmarks/data/mclust_extra/sweep6_sets.R [output_dir]

suppressPackageStartupMessages({library(mclust); library(MASS)})
args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
out_dir <- if (length(args) >= 1) args[1] else script_dir
source(file.path(script_dir, "write_tables.R"))

set.seed(20261205)
one <- function(v) matrix(as.numeric(v), dimnames = list(NULL, "v"))
survey5 <- na.omit(survey[, c("Wr.Hnd", "NW.Hnd", "Pulse", "Height", "Age")])
# Three parallel stripes along the first axis, 500 rows each, in 3-D.
stripes <- do.call(rbind, lapply(c(-3, 0, 3), function(c)
  cbind(rnorm(500, 0, 6), rnorm(500, c, 0.5), rnorm(500, 0, 1))))
colnames(stripes) <- paste0("x", 1:3)
# Five clusters of proportions .5, .2, .15, .1, .05 in 4,000 rows, 2-D.
props <- c(.5, .2, .15, .1, .05)
z <- sample.int(5, 4000, replace = TRUE, prob = props)
centres <- matrix(rnorm(10, 0, 4), 5)
unequal <- centres[z, ] + matrix(rnorm(8000), 4000) %*% chol(matrix(c(1, .6, .6, 1.5), 2))
colnames(unequal) <- c("x1", "x2")
# Three clusters in 6-D, 1,000 rows, means 3 apart on average.
z6 <- sample.int(3, 1000, replace = TRUE)
wide <- matrix(rnorm(18, 0, 2.5), 3)[z6, ] + matrix(rnorm(6000), 1000)
colnames(wide) <- paste0("x", 1:6)
sets <- list(
  wtloss = as.matrix(wtloss),                                      # MASS, 52 x 2
  survey5 = as.matrix(survey5),                                    # MASS, 168 x 5
  melanoma = as.matrix(Melanoma[, c("time", "age", "thickness")]),  # MASS, 205 x 3
  nlschools = as.matrix(nlschools[, c("lang", "IQ", "SES")]),      # MASS, 2287 x 3
  rabbit = as.matrix(Rabbit[, c("Dose", "BPchange")]),             # MASS, 60 x 2
  treering = one(treering),                                        # 7980 x 1
  s6_stripes3d = stripes,
  s6_unequal4k_2d = unequal,
  s6_three1k_6d = wide
)
write_tables(sets, out_dir)
