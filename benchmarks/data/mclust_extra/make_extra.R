# mclust 6 BIC tables of public data sets beyond the test fixtures, for
# benchmarks/bench_mclust_extra.py (issue 13: "checked on data sets you do not
# see as well"). Benchmarks read only the CSV files written here.
#
# Usage (from the repository root):
#   Rscript benchmarks/data/mclust_extra/make_extra.R [output_dir]
#
# Written, for each data set <set>: data_<set>.csv (the data as R used them,
# written then re-read) and bic_<set>.csv (mclustBIC(X, G = 1:9), all 14
# structures, mclust's sign, NA where mclust cannot fit; df the free
# parameters). The six sets of the fifth sweep are written by sweep5_sets.R,
# run on its own (see there).

suppressPackageStartupMessages({library(mclust); library(MASS)})
args <- commandArgs(trailingOnly = TRUE)
script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else "."
})
out_dir <- if (length(args) >= 1) args[1] else script_dir
data(wreath, EuroUnemployment, Baudry_etal_2010_JCGS_examples, chevron, cross,
     wdbc, package = "mclust")
data(crabs, geyser, cats, biopsy, Boston, fgl, package = "MASS")
data(galaxies, Pima.tr, synth.tr, hills, mammals, cpus, anorexia, UScereal,
     Cars93, package = "MASS")
data(GvHD, package = "mclust")
sets <- list(
  geyser = as.matrix(geyser),                 # MASS, 299 x 2
  cats = as.matrix(cats[, 2:3]),              # MASS, 144 x 2
  crabs = as.matrix(crabs[, 4:8]),            # MASS, 200 x 5
  usarrests = as.matrix(USArrests),           # datasets, 50 x 4
  lcs = as.matrix(LifeCycleSavings),          # datasets, 50 x 5
  quakes = as.matrix(quakes[, 1:4]),          # datasets, 1000 x 4
  wreath = as.matrix(wreath),                 # mclust, 1000 x 2
  trees = as.matrix(trees),                   # datasets, 31 x 3
  swiss = as.matrix(swiss),                   # datasets, 47 x 6
  stackloss = as.matrix(stackloss),           # datasets, 21 x 4
  mtcars = as.matrix(mtcars[, c(1, 3, 4, 5, 6, 7)]),  # datasets, 32 x 6
  euro = as.matrix(EuroUnemployment),         # mclust, 31 x 3
  rock = as.matrix(rock),                     # datasets, 48 x 4
  cross = as.matrix(cross[, -1]),             # mclust, 500 x 2
  chevron = as.matrix(chevron[, -1]),         # mclust, 1104 x 2 (with its noise)
  ex41 = as.matrix(ex4.1),                    # mclust (Baudry et al.), 600 x 2
  ex42 = as.matrix(ex4.2),                    # 600 x 2
  ex43 = as.matrix(ex4.3),                    # 200 x 2
  ex441 = as.matrix(ex4.4.1),                 # 800 x 2
  ex442 = as.matrix(ex4.4.2),                 # 300 x 3
  wdbc3 = as.matrix(wdbc[, c("Texture_mean", "Area_extreme",
                             "Smoothness_extreme")]),  # mclust, 569 x 3
  airquality = as.matrix(na.omit(airquality)[, 1:4]),  # datasets, 111 x 4
  attitude = as.matrix(attitude),             # datasets, 30 x 7
  women = as.matrix(women),                   # datasets, 15 x 2
  pressure = as.matrix(pressure),             # datasets, 19 x 2
  longley = as.matrix(longley[, 1:4]),        # datasets, 16 x 4
  # Old Faithful with its rows reversed: on data recorded to a fixed
  # precision mclust's hierarchical start depends on the row order.
  faithful_reversed = as.matrix(faithful[272:1, ]),  # datasets, 272 x 2
  # Lattice data: a feature taking a few values, where components rest on
  # lines or planes (the degenerate check's rules for shared shapes).
  co2 = as.matrix(CO2[, c("conc", "uptake")]),  # datasets, 84 x 2 (7 values)
  chickweight = as.matrix(ChickWeight[, c("weight", "Time")]),  # 578 x 2 (12)
  biopsy3 = as.matrix(na.omit(biopsy)[, c("V1", "V2", "V3")]),  # MASS, 683 x 3
  boston5 = as.matrix(Boston[, c("rm", "lstat", "medv", "ptratio", "nox")]),
  fgl5 = as.matrix(fgl[, c("RI", "Na", "Mg", "Al", "Ca")]),  # MASS, 214 x 5
  # Seventeen more (a second sweep; three of one feature, E and V only):
  galaxies = matrix(galaxies, dimnames = list(NULL, "v")),  # MASS, 82 x 1
  precip = matrix(as.numeric(precip), dimnames = list(NULL, "v")),  # 70 x 1
  lrivers = matrix(log(rivers), dimnames = list(NULL, "v")),  # 141 x 1
  pima7 = as.matrix(Pima.tr[, 1:7]),          # MASS, 200 x 7
  synth = as.matrix(synth.tr[, 1:2]),         # MASS, 250 x 2
  hills = as.matrix(hills),                   # MASS, 35 x 3
  lmammals = as.matrix(log(mammals)),         # MASS, 62 x 2
  lcpus = as.matrix(log(cpus[, c("syct", "mmin", "mmax", "perf")])),  # 209 x 4
  statex77 = as.matrix(state.x77),            # datasets, 50 x 8
  judges = as.matrix(USJudgeRatings),         # datasets, 43 x 12
  gvhd = { set.seed(2024); as.matrix(GvHD.pos[sort(sample(nrow(GvHD.pos), 2000)), ]) },
  iris_petal = as.matrix(iris[, 3:4]),        # datasets, 150 x 2
  anorexia = as.matrix(anorexia[, 2:3]),      # MASS, 72 x 2
  cereal = as.matrix(UScereal[, c("calories", "protein", "fat", "sodium",
                                  "fibre", "carbo")]),  # MASS, 65 x 6
  randu = as.matrix(randu),                   # datasets, 400 x 3
  lcars = as.matrix(log(Cars93[, c("Price", "MPG.city", "Horsepower", "Weight",
                                   "Fuel.tank.capacity")])),  # MASS, 93 x 5
  sstatex77 = scale(as.matrix(state.x77[, c("Population", "Income",
                                            "Illiteracy", "Life Exp", "Murder")]))
)
source(file.path(script_dir, "sweep3_sets.R"))
sets <- c(sets, sweep3_sets(script_dir))
source(file.path(script_dir, "sweep4_sets.R"))
sets <- c(sets, sweep4_sets())
source(file.path(script_dir, "write_tables.R"))
write_tables(sets, out_dir)
