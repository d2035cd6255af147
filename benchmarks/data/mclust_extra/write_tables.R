# The writer of the data and mclust BIC tables of make_extra.R: for each
# named matrix in `sets`, data_<name>.csv (the data as R used them, written
# then re-read) and bic_<name>.csv (mclustBIC(X, G = 1:9) over all 14
# structures, or E and V on one feature; mclust's sign, NA where
# mclust cannot fit; df the free parameters).
write_tables <- function(sets, out_dir) {
  models <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE",
              "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV")
  for (name in names(sets)) {
    file <- file.path(out_dir, paste0("data_", name, ".csv"))
    write.csv(sets[[name]], file, row.names = FALSE)
    X <- as.matrix(read.csv(file))
    b <- mclustBIC(X, G = 1:9, verbose = FALSE)
    # One feature: mclust's two univariate structures.
    these <- if (ncol(X) == 1) c("E", "V") else models
    rows <- expand.grid(K = 1:9, model = these, stringsAsFactors = FALSE)
    rows$bic <- mapply(function(k, m) b[k, m], rows$K, rows$model)
    rows$df <- mapply(function(k, m) nMclustParams(m, ncol(X), k), rows$K, rows$model)
    write.csv(rows, file.path(out_dir, paste0("bic_", name, ".csv")), row.names = FALSE)
    cat(name, nrow(X), ncol(X), "\n")
  }
}

# For the sweeps run from the repository root (sweep7_sets.R on): the output
# folder (the script's argument, or this folder), and one feature as a
# named matrix.
sweep_out_dir <- function() {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) >= 1) args[1] else file.path("benchmarks", "data", "mclust_extra")
}
one <- function(v) matrix(as.numeric(v), dimnames = list(NULL, "v"))
