#!/usr/bin/env Rscript
# Reference values for lupuscare.evidence, computed by R's metafor.
#
# Usage (from the repository root):  Rscript tools/metafor/make_reference.R
# Writes tests/evidence/data/metafor_reference.json, which the Python tests read, so the test
# suite needs no R. Re-run after changing a dataset here; commit both files together.
#
# Datasets are inlined (no dependency on the metadat package version): dat.bcg (13 BCG trials,
# heterogeneous, log RR), dat.egger2001 (16 magnesium trials, one zero cell, log OR), the Chen &
# Peace SMD example (k = 6) and its first three studies (k = 3), dat.normand1999 (MD and ROM), a
# homogeneous set (tau2 = 0 under every estimator), a single-arm pre-post set (MC, SMCC, SMCR at
# an assumed correlation) and single proportions with a zero count (PR, PLO).
#
# Paule-Mandel and the Q-profile CIs find roots with uniroot(); metafor's default tolerance is
# .Machine$double.eps^0.25 (about 1e-4 on tau2). Here both are run with tol = 1e-12 so the values
# are exact to the printed digits; the Python side solves to ~1e-13.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_path <- file.path("tests", "evidence", "data", "metafor_reference.json")
TIGHT <- list(tol = 1e-12)

bcg <- data.frame(
  study = c("Aronson", "Ferguson & Simes", "Rosenthal et al", "Hart & Sutherland",
            "Frimodt-Moller et al", "Stein & Aronson", "Vandiviere et al", "TPT Madras",
            "Coetzee & Berjak", "Rosenthal et al", "Comstock et al", "Comstock & Webster",
            "Comstock et al"),
  year = c(1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976),
  ai = c(4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27),
  bi = c(119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886),
  ci = c(11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29),
  di = c(128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825),
  ablat = c(44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33)
)
egger <- data.frame(
  year = c(1984, 1986, 1986, 1987, 1988, 1989, 1989, 1989, 1990, 1990, 1991, 1991, 1991, 1992, 1995, 1995),
  ai = c(1, 9, 2, 1, 10, 1, 1, 0, 6, 1, 2, 5, 4, 90, 4, 2216),
  n1i = c(40, 135, 200, 48, 150, 59, 25, 22, 76, 27, 89, 23, 130, 1159, 107, 29011),
  ci = c(2, 23, 7, 1, 8, 9, 3, 1, 11, 7, 12, 13, 8, 118, 17, 2103),
  n2i = c(36, 135, 200, 46, 148, 56, 23, 21, 75, 27, 80, 33, 122, 1157, 108, 29039)
)
chen <- data.frame(
  m1i = c(94, 98, 98, 94, 98, 96), sd1i = c(22, 21, 28, 19, 21, 21), n1i = c(60, 65, 40, 200, 50, 85),
  m2i = c(92, 92, 88, 82, 88, 92), sd2i = c(20, 22, 26, 17, 22, 22), n2i = c(60, 65, 40, 200, 45, 85)
)
normand <- data.frame(
  n1i = c(155, 31, 75, 18, 8, 57, 34, 110, 60), m1i = c(55, 27, 64, 66, 14, 19, 52, 21, 30),
  sd1i = c(47, 7, 17, 20, 8, 7, 45, 16, 27),
  n2i = c(156, 32, 71, 18, 13, 52, 33, 183, 52), m2i = c(75, 29, 119, 137, 18, 18, 41, 31, 23),
  sd2i = c(64, 4, 29, 48, 11, 4, 34, 27, 20)
)
homog <- data.frame(yi = c(0.10, 0.12, 0.11, 0.09), vi = c(0.04, 0.05, 0.03, 0.06))
prepost <- data.frame(  # m1i = baseline, m2i = follow-up: yi > 0 is a reduction
  ni = c(12, 20, 9, 15, 30),
  m1i = c(14.2, 12.8, 16.0, 11.5, 13.1), m2i = c(6.1, 7.9, 9.5, 6.8, 8.0),
  sd1i = c(4.1, 3.9, 5.2, 3.0, 4.4), sd2i = c(3.8, 4.4, 4.9, 3.3, 4.0)
)
props <- data.frame(xi = c(0, 3, 7, 12, 5), ni = c(15, 20, 25, 40, 18))

es <- list(
  bcg_RR = escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg),
  bcg_OR = escalc("OR", ai = ai, bi = bi, ci = ci, di = di, data = bcg),
  bcg_RD = escalc("RD", ai = ai, bi = bi, ci = ci, di = di, data = bcg),
  egger_OR = escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = egger),
  egger_RR = escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = egger),
  egger_RD = escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = egger),
  chen_SMD = escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = chen),
  chen_SMD_UB = escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = chen, vtype = "UB"),
  k3_SMD = escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = chen[1:3, ]),
  normand_MD = escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = normand),
  normand_MD_HO = escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = normand, vtype = "HO"),
  normand_ROM = escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = normand),
  homog_GEN = escalc("GEN", yi = yi, vi = vi, data = homog),
  prepost_MC = escalc("MC", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = rep(0.5, 5), data = prepost),
  prepost_SMCC = escalc("SMCC", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = rep(0.5, 5), data = prepost),
  prepost_SMCR = escalc("SMCR", m1i = m1i, m2i = m2i, sd1i = sd1i, ni = ni, ri = rep(0.5, 5), data = prepost),
  props_PR = escalc("PR", xi = xi, ni = ni, data = props),
  props_PLO = escalc("PLO", xi = xi, ni = ni, data = props)
)

num <- function(x) if (is.null(x) || length(x) == 0) NULL else unname(as.numeric(x))

rec_fit <- function(res) {
  pr <- predict(res)
  list(
    beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
    ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2),
    se_tau2 = if (is.na(res$se.tau2)) NULL else num(res$se.tau2),
    I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp),
    QM = num(res$QM), QMp = num(res$QMp), R2 = if (is.null(res$R2)) NULL else num(res$R2),
    pi_lb = if (res$int.only) num(pr$pi.lb) else NULL,
    pi_ub = if (res$int.only) num(pr$pi.ub) else NULL,
    fitstats = as.list(setNames(num(fitstats(res)[, 1]), c("logLik", "deviance", "AIC", "BIC", "AICc")))
  )
}

methods <- c("EE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS")
tests <- c("z", "knha")
fit_sets <- c("bcg_RR", "bcg_OR", "bcg_RD", "egger_OR", "chen_SMD", "k3_SMD", "normand_MD_HO",
              "normand_ROM", "homog_GEN", "prepost_SMCR", "prepost_SMCC", "prepost_MC", "props_PLO")

rma_out <- list()
for (d in fit_sets) for (m in methods) for (t in tests) {
  ctrl <- if (m == "PM") TIGHT else list()
  res <- suppressWarnings(rma(yi, vi, data = es[[d]], method = m, test = t, control = ctrl))
  rma_out[[length(rma_out) + 1]] <- c(list(dataset = d, method = m, test = t, mods = NULL), rec_fit(res))
}
for (m in c("REML", "DL", "ML", "EE")) for (t in tests) {
  for (mods in list(c("ablat"), c("ablat", "year"))) {
    X <- as.matrix(bcg[, mods, drop = FALSE])
    res <- suppressWarnings(rma(yi, vi, mods = X, data = es$bcg_RR, method = m, test = t))
    rma_out[[length(rma_out) + 1]] <- c(list(dataset = "bcg_RR", method = m, test = t, mods = mods), rec_fit(res))
  }
}

confint_out <- list()
for (d in c("bcg_RR", "egger_OR", "chen_SMD", "normand_MD_HO", "homog_GEN", "k3_SMD")) for (m in c("REML", "DL")) {
  res <- rma(yi, vi, data = es[[d]], method = m)
  ci <- confint(res, control = TIGHT)$random
  confint_out[[length(confint_out) + 1]] <- list(
    dataset = d, method = m, mods = NULL,
    tau2 = num(ci["tau^2", ]), I2 = num(ci["I^2(%)", ]), H2 = num(ci["H^2", ]))
}
res <- rma(yi, vi, mods = ~ ablat, data = cbind(es$bcg_RR, ablat = bcg$ablat))
ci <- confint(res, control = TIGHT)$random
confint_out[[length(confint_out) + 1]] <- list(
  dataset = "bcg_RR", method = "REML", mods = c("ablat"),
  tau2 = num(ci["tau^2", ]), I2 = num(ci["I^2(%)", ]), H2 = num(ci["H^2", ]))

sens_out <- list()
for (d in c("bcg_RR", "egger_OR", "chen_SMD")) for (m in c("REML", "DL", "EE")) for (t in tests) {
  res <- suppressWarnings(rma(yi, vi, data = es[[d]], method = m, test = t))
  l1 <- leave1out(res)
  cu <- cumul(res)
  sens_out[[length(sens_out) + 1]] <- list(
    dataset = d, method = m, test = t,
    leave1out = list(estimate = num(l1$estimate), se = num(l1$se), ci_lb = num(l1$ci.lb),
                     ci_ub = num(l1$ci.ub), Q = num(l1$Q), tau2 = num(l1$tau2), I2 = num(l1$I2)),
    cumul = list(estimate = num(cu$estimate), se = num(cu$se), ci_lb = num(cu$ci.lb),
                 ci_ub = num(cu$ci.ub), tau2 = num(cu$tau2)))
}

infl_out <- list()
for (spec in list(list("bcg_RR", "REML", "z", NULL), list("bcg_RR", "DL", "knha", NULL),
                  list("bcg_RR", "REML", "z", "ablat"), list("chen_SMD", "REML", "z", NULL))) {
  dat <- es[[spec[[1]]]]
  if (spec[[1]] == "bcg_RR") dat$ablat <- bcg$ablat
  res <- if (is.null(spec[[4]])) rma(yi, vi, data = dat, method = spec[[2]], test = spec[[3]]) else
    rma(yi, vi, mods = ~ ablat, data = dat, method = spec[[2]], test = spec[[3]])
  inf <- influence(res)
  infl_out[[length(infl_out) + 1]] <- list(
    dataset = spec[[1]], method = spec[[2]], test = spec[[3]], mods = spec[[4]],
    rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
    cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
    hat = num(inf$inf$hat), weight = num(inf$inf$weight), dfbetas = num(inf$dfbs[[1]]),
    influential = as.logical(inf$is.infl))
}

bias_out <- list()
for (d in c("bcg_RR", "egger_OR", "chen_SMD", "normand_MD_HO")) for (m in c("REML", "EE", "DL")) {
  res <- rma(yi, vi, data = es[[d]], method = m)
  rt <- regtest(res)
  rl <- regtest(res, model = "lm")
  rk <- suppressWarnings(ranktest(res))
  tf <- trimfill(res)
  bias_out[[length(bias_out) + 1]] <- list(
    dataset = d, method = m,
    regtest = list(zval = num(rt$zval), pval = num(rt$pval), est = num(rt$est),
                   ci_lb = num(rt$ci.lb), ci_ub = num(rt$ci.ub)),
    regtest_lm = list(zval = num(rl$zval), pval = num(rl$pval), df = num(rl$dfs), est = num(rl$est),
                      ci_lb = num(rl$ci.lb), ci_ub = num(rl$ci.ub)),
    ranktest = list(tau = num(rk$tau), pval = num(rk$pval)),
    trimfill = list(k0 = num(tf$k0), se_k0 = num(tf$se.k0), side = tf$side, beta = num(tf$beta),
                    se = num(tf$se), ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2),
                    QE = num(tf$QE), yi = num(tf$yi), vi = num(tf$vi)))
}

mh_out <- list()
for (d in c("bcg", "egger")) {
  dat <- if (d == "bcg") bcg else egger
  for (m in c("OR", "RR", "RD")) {
    res <- if (d == "bcg") rma.mh(ai = ai, bi = bi, ci = ci, di = di, data = dat, measure = m) else
      rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat, measure = m)
    mh_out[[length(mh_out) + 1]] <- list(
      dataset = d, model = "MH", measure = m, beta = num(res$beta), se = num(res$se),
      zval = num(res$zval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), QE = num(res$QE),
      QEp = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2), k_yi = num(res$k.yi),
      CMH = if (m == "OR") num(res$MH) else NULL, weights = num(weights(res)),
      leave1out = num(leave1out(res)$estimate))
  }
  res <- if (d == "bcg") rma.peto(ai = ai, bi = bi, ci = ci, di = di, data = dat) else
    rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat)
  mh_out[[length(mh_out) + 1]] <- list(
    dataset = d, model = "PETO", measure = "OR", beta = num(res$beta), se = num(res$se),
    zval = num(res$zval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), QE = num(res$QE),
    QEp = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2), k_yi = num(res$k.yi),
    weights = num(weights(res)), leave1out = num(leave1out(res)$estimate))
}

# Extensions: estimators beyond contracts §4, profile-likelihood CIs, predictions from a
# meta-regression, Knapp-Hartung regtest, subgroup fits and the subgroup-difference Q.
ext_out <- list()
for (d in c("bcg_RR", "egger_OR", "chen_SMD")) {
  dat <- es[[d]]
  he <- rma(yi, vi, data = dat, method = "HE")$tau2
  fits <- list(
    HSk = rma(yi, vi, data = dat, method = "HSk"),
    PMM = rma(yi, vi, data = dat, method = "PMM", control = TIGHT),
    SJ_from_HE = rma(yi, vi, data = dat, method = "SJ", control = list(tau2.init = he)),
    GENQ_HE = rma(yi, vi, data = dat, method = "GENQ", weights = 1 / (vi + he)),
    REML_knha = rma(yi, vi, data = dat, test = "knha")
  )
  for (n in names(fits)) {
    ext_out[[length(ext_out) + 1]] <- c(list(dataset = d, fit = n), rec_fit(fits[[n]]))
  }
}
pl_out <- list()
for (d in c("bcg_RR", "bcg_OR", "egger_OR", "chen_SMD")) for (m in c("ML", "REML")) {
  res <- rma(yi, vi, data = es[[d]], method = m)
  ci <- confint(res, type = "PL", control = TIGHT)$random
  pl_out[[length(pl_out) + 1]] <- list(dataset = d, method = m, tau2 = num(ci["tau^2", ]))
}
pred_out <- list()
for (t in tests) {
  res <- rma(yi, vi, mods = cbind(ablat = bcg$ablat), data = es$bcg_RR, test = t)
  for (x in c(10, 30, 55)) {
    pr <- predict(res, newmods = x)
    pred_out[[length(pred_out) + 1]] <- list(test = t, ablat = x, pred = num(pr$pred), se = num(pr$se),
      ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub), pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub))
  }
}
res <- rma(yi, vi, data = es$bcg_RR, test = "knha")
rt <- regtest(res)
regknha_out <- list(dataset = "bcg_RR", zval = num(rt$zval), pval = num(rt$pval), df = num(rt$dfs),
                    est = num(rt$est), ci_lb = num(rt$ci.lb), ci_ub = num(rt$ci.ub))
alloc <- c("random", "random", "random", "random", "alternate", "alternate", "random", "random",
           "random", "systematic", "systematic", "systematic", "systematic")
sub_fits <- lapply(c("random", "alternate", "systematic"), function(g)
  rma(yi, vi, data = es$bcg_RR, subset = alloc == g))
between <- rma(sapply(sub_fits, function(f) c(f$beta)), sei = sapply(sub_fits, function(f) f$se), method = "EE")
subgroup_out <- list(dataset = "bcg_RR", groups = alloc,
  estimate = sapply(sub_fits, function(f) c(f$beta)), se = sapply(sub_fits, function(f) f$se),
  tau2 = sapply(sub_fits, function(f) f$tau2), Q_between = num(between$QE), pval = num(between$QEp))

# Fisher scoring that oscillates: metafor fails with the default step, converges with stepadj.
osc <- list(yi = c(0, 0, 0, 0, 0, 0, 0, 0, 1), vi = c(rep(1, 8), 0.125))
osc_fail <- inherits(try(rma(osc$yi, osc$vi), silent = TRUE), "try-error")
osc_fit <- rma(osc$yi, osc$vi, control = list(stepadj = 0.5))
convergence_out <- c(list(yi = osc$yi, vi = osc$vi, default_fails = osc_fail), rec_fit(osc_fit))

# 2x2 tables with a double-zero table (dropped from Q, kept in the MH RD weights) and a
# one-arm zero; rank test with tied variances (normal approximation instead of exact p).
zeros <- data.frame(ai = c(1, 9, 2, 0, 10, 0), n1i = c(40, 135, 200, 20, 150, 30),
                    ci = c(2, 23, 7, 0, 8, 3), n2i = c(36, 135, 200, 22, 148, 30))
zero_out <- list()
for (m in c("OR", "RR", "RD", "PETO")) {
  res <- suppressWarnings(if (m == "PETO") rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = zeros) else
    rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = zeros, measure = m))
  zero_out[[length(zero_out) + 1]] <- list(model = m, beta = num(res$beta), se = num(res$se),
    QE = num(res$QE), k_yi = num(res$k.yi), weights = num(weights(res)))
}
ties <- list(yi = c(0.1, 0.3, 0.2, 0.5, 0.4, 0.35), vi = c(0.1, 0.1, 0.2, 0.2, 0.3, 0.05))
rk <- suppressWarnings(ranktest(rma(ties$yi, ties$vi)))
ties_out <- c(ties, list(tau = num(rk$tau), pval = num(rk$pval)))

# Other confidence levels, and a categorical moderator (dummy coding, first level as reference).
level_out <- list()
for (t in tests) {
  res <- rma(yi, vi, data = es$bcg_RR, test = t, level = 90)
  ci <- confint(res, control = TIGHT)$random
  level_out[[length(level_out) + 1]] <- c(list(dataset = "bcg_RR", method = "REML", test = t, level = 90),
    rec_fit(res), list(tau2_ci = num(ci["tau^2", ])))
}
res <- rma(yi, vi, mods = ~ factor(alloc), data = cbind(es$bcg_RR, alloc = alloc))
factor_out <- c(list(dataset = "bcg_RR", mods = "alloc", names = rownames(res$beta)), rec_fit(res))

data_out <- list(
  zeros = as.list(zeros),
  bcg = as.list(bcg), egger = as.list(egger), chen = as.list(chen), normand = as.list(normand),
  homog = as.list(homog), prepost = c(as.list(prepost), list(ri = 0.5)), props = as.list(props)
)
escalc_out <- lapply(names(es), function(n) list(name = n, yi = num(es[[n]]$yi), vi = num(es[[n]]$vi)))

result <- list(
  generator = "tools/metafor/make_reference.R",
  metafor_version = as.character(packageVersion("metafor")),
  R_version = paste(R.version$major, R.version$minor, sep = "."),
  notes = "PM and confint() run with control tol = 1e-12; all else metafor defaults.",
  data = data_out, escalc = escalc_out, rma = rma_out, confint = confint_out,
  sensitivity = sens_out, influence = infl_out, bias = bias_out, mh = mh_out,
  extensions = ext_out, profile_likelihood = pl_out, predict = pred_out,
  regtest_knha = regknha_out, subgroups = subgroup_out, convergence = convergence_out,
  zero_tables = zero_out, ranktest_ties = ties_out, levels = level_out, factor_mods = factor_out
)
dir.create(dirname(out_path), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
