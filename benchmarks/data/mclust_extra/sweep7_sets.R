# A seventh sweep, on its own: public sets not used before, from cluster
# (xclara, ruspini, pluton), R's datasets (LifeCycleSavings, Puromycin,
# discoveries), MASS (Cars93, Sitka, gilgais), robustbase (starsCYG, hbk)
# and boot (brambles, urine, claridge, coal). xclara has more than 2,000
# rows: mclust's hierarchical start is one draw of its subset, so the
# script is run alone:
#
#   Rscript benchmarks/data/mclust_extra/sweep7_sets.R [output_dir]

suppressPackageStartupMessages({
  library(mclust); library(MASS); library(cluster); library(robustbase); library(boot)
})
source(file.path("benchmarks", "data", "mclust_extra", "write_tables.R"))
set.seed(20261206)
sets <- list(
  xclara = as.matrix(xclara),                                       # cluster, 3000 x 2
  ruspini = as.matrix(ruspini),                                     # cluster, 75 x 2
  pluton = as.matrix(pluton),                                       # cluster, 45 x 4
  lifecycle = as.matrix(LifeCycleSavings),                          # 50 x 5
  puromycin = as.matrix(Puromycin[, c("conc", "rate")]),            # 23 x 2
  discoveries = one(discoveries),                                   # 100 x 1, counts
  cars93 = as.matrix(Cars93[, c("Price", "MPG.city", "Horsepower", "Weight")]),  # 93 x 4
  sitka = as.matrix(Sitka[, c("size", "Time")]),                    # MASS, 395 x 2
  gilgais3 = as.matrix(gilgais[, c("pH00", "e00", "c00")]),        # MASS, 365 x 3
  starscyg = as.matrix(starsCYG),                                   # robustbase, 47 x 2
  hbk3 = as.matrix(hbk[, 1:3]),                                     # robustbase, 75 x 3
  brambles = as.matrix(brambles[, c("x", "y")]),                    # boot, 823 x 2
  urine = as.matrix(na.omit(urine[, -1])),                          # boot, 77 x 6
  claridge = as.matrix(claridge),                                   # boot, 37 x 2
  coal = one(coal$date)                                             # boot, 191 x 1
)
write_tables(sets, sweep_out_dir())
