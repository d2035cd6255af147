# The thirty data sets of a third sweep, for make_extra.R (which sources this
# file and writes their tables with the others): one
# feature (acidity, newcomb, michelson, SP500, abbey, lynx, Nile,
# sunspot.year, islands), two to four features (mcycle, GAGurine, Animals,
# whiteside, topo, birthwt, Cushings, cars, EuStockMarkets' log-returns), sets
# whose features are designed lattices (DNase, Loblolly, Theoph, Indometh,
# Orange), and five to thirteen features (freeny, attenu, UScrime, Pima.te,
# painters, scikit-learn's wine standardised and the first ten columns of its
# breast-cancer data).
#
# raw_wine.csv and raw_bc10.csv beside this script are scikit-learn's
# load_wine().data and load_breast_cancer().data[:, :10] with their feature
# names, written by
#   python -c "import pandas as pd; from sklearn.datasets import load_wine,
#   load_breast_cancer as b; w = load_wine(as_frame=True).data;
#   w.to_csv('raw_wine.csv', index=False);
#   b(as_frame=True).data.iloc[:, :10].to_csv('raw_bc10.csv', index=False)"

sweep3_sets <- function(script_dir) {
  data(acidity, package = "mclust")
  one <- function(v) matrix(as.numeric(v), dimnames = list(NULL, "v"))
  wine <- as.matrix(read.csv(file.path(script_dir, "raw_wine.csv")))
  bc10 <- as.matrix(read.csv(file.path(script_dir, "raw_bc10.csv")))
  eu <- diff(log(EuStockMarkets))
  list(
    acidity = one(acidity),                                   # mclust, 155 x 1
    newcomb = one(newcomb),                                   # MASS, 66 x 1
    michelson = one(michelson$Speed),                         # MASS, 100 x 1 (ties)
    sp500 = { set.seed(2024); one(SP500[sort(sample(length(SP500), 2000))]) },  # 2000 x 1
    abbey = one(abbey),                                       # MASS, 31 x 1
    llynx = one(log(lynx)),                                   # datasets, 114 x 1
    nile = one(Nile),                                         # 100 x 1
    sunspot = one(sunspot.year),                              # 289 x 1
    lislands = one(log(islands)),                             # 48 x 1
    mcycle = as.matrix(mcycle),                               # MASS, 133 x 2
    gagurine = as.matrix(GAGurine),                           # MASS, 314 x 2
    lanimals = as.matrix(log(Animals)),                       # MASS, 28 x 2
    whiteside = as.matrix(whiteside[, c("Temp", "Gas")]),     # MASS, 56 x 2
    topo = as.matrix(topo),                                   # MASS, 52 x 3
    birthwt = as.matrix(birthwt[, c("age", "lwt", "bwt")]),   # MASS, 189 x 3 (integers)
    pimate = as.matrix(Pima.te[, 1:7]),                       # MASS, 332 x 7
    painters = as.matrix(painters[, 1:4]),                    # MASS, 54 x 4 (integer scores)
    lcushings = as.matrix(log(Cushings[, 1:2])),              # MASS, 27 x 2
    cars = as.matrix(cars),                                   # datasets, 50 x 2 (integers)
    dnase = as.matrix(DNase[, c("conc", "density")]),         # 176 x 2 (8 conc values)
    loblolly = as.matrix(Loblolly[, c("height", "age")]),     # 84 x 2 (6 ages)
    theoph = as.matrix(Theoph[, c("Wt", "Dose", "Time", "conc")]),  # 132 x 4
    indometh = as.matrix(Indometh[, c("time", "conc")]),      # 66 x 2 (11 times)
    orange = as.matrix(Orange[, c("age", "circumference")]),  # 35 x 2 (7 ages)
    eustock = unclass(as.matrix(eu)),                         # 1859 x 4 log-returns
    freeny = as.matrix(freeny),                               # 39 x 5
    attenu = as.matrix(na.omit(attenu)[, c("mag", "dist", "accel")]),  # 166 x 3
    uscrime = as.matrix(UScrime[, c("Ed", "Po1", "LF", "Ineq", "Prob", "y")]),  # 47 x 6
    wine = scale(wine),                                       # sklearn, 178 x 13 standardised
    bc10 = bc10                                               # sklearn, 569 x 10
  )
}
