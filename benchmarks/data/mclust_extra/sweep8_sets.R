# An eighth sweep, on its own: public sets rich in integer features, counts
# and outliers, not used before: infert, ToothGrowth, InsectSprays and
# Seatbelts from R's datasets, quine, Aids2 (2,843 rows) and epil from MASS,
# Davis, Prestige and Mroz from carData, PimaIndiansDiabetes, Vehicle and a
# draw of 2,000 rows of LetterRecognition from mlbench, Affairs,
# HousePrices and TeachingRatings from AER. Aids2 has more than 2,000 rows
# (mclust's hierarchical start is one draw of its subset) and the letters
# are a draw too, so the script is run alone, from the repository root:
#
#   Rscript benchmarks/data/mclust_extra/sweep8_sets.R [output_dir]

suppressPackageStartupMessages({
  library(mclust); library(MASS); library(carData); library(mlbench); library(AER)
})
source(file.path("benchmarks", "data", "mclust_extra", "write_tables.R"))
set.seed(20261207)
data(PimaIndiansDiabetes, LetterRecognition, Vehicle, package = "mlbench")
data(Affairs, HousePrices, TeachingRatings, package = "AER")
letters_rows <- LetterRecognition[sample.int(nrow(LetterRecognition), 2000), c("x.box", "y.box", "width", "high")]
sets <- list(
  infert4 = as.matrix(infert[, c("age", "parity", "induced", "spontaneous")]),
  toothgrowth = as.matrix(ToothGrowth[, c("len", "dose")]),
  insectsprays = one(InsectSprays$count),
  quine = one(quine$Days),
  seatbelts3 = as.matrix(as.data.frame(Seatbelts)[, c("drivers", "front", "rear")]),
  aids2 = as.matrix(Aids2[, c("age", "diag", "death")]),
  davis = as.matrix(na.omit(Davis[, c("weight", "height", "repwt", "repht")])),
  prestige = as.matrix(Prestige[, c("education", "income", "women", "prestige")]),
  mroz3 = as.matrix(Mroz[, c("age", "lwg", "inc")]),
  pima8 = as.matrix(PimaIndiansDiabetes[, 1:8]),
  letter4 = sapply(letters_rows, as.numeric),
  affairs = as.matrix(Affairs[, c("affairs", "age", "yearsmarried", "religiousness", "rating")]),
  houseprices = as.matrix(HousePrices[, c("price", "lotsize", "bedrooms", "bathrooms")]),
  vehicle6 = as.matrix(Vehicle[, 1:6]),
  epil = as.matrix(epil[, c("y", "base", "age")]),
  teaching = as.matrix(TeachingRatings[, c("age", "beauty", "eval")])
)
write_tables(sets, sweep_out_dir())
