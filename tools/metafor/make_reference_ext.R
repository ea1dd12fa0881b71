#!/usr/bin/env Rscript
# Reference values for the engine's second round (issue 15), computed by R's metafor.
#
# Usage (from the repository root):
#   python tests/evidence/random_data.py          # writes tests/evidence/data/random_datasets.json
#   Rscript tools/metafor/make_reference_ext.R    # writes tests/evidence/data/metafor_reference_ext.json
# The Python tests read the JSON, so the suite needs no R. Commit the script and both JSON files.
#
# Sections: refits that keep the model (user weights, GENQ, control) for leave1out, cumul,
# influence, regtest and trimfill; refits that fail (metafor's NA rows); metafor's warnings;
# k = 1 and identical effects; cumul's first row and trim-and-fill under Knapp-Hartung; R^2 of
# an equal-effects meta-regression; metafor's default-tolerance PM and capped Q-profile bound;
# the escalc measures for proportions, correlations, incidence rates and single means; robust(),
# test = "adhoc", anova(); fsn() and tes(); and 30 seeded random data sets.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_path <- file.path("tests", "evidence", "data", "metafor_reference_ext.json")
random_path <- file.path("tests", "evidence", "data", "random_datasets.json")
TIGHT <- list(tol = 1e-12)
num <- function(x) if (is.null(x) || length(x) == 0) NULL else unname(as.numeric(x))

# Run an expression, collecting metafor's warnings (text) instead of printing them.
capture <- function(expr) {
  msgs <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "failed")),
    warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = value, warnings = msgs, failed = inherits(value, "failed"))
}

bcg <- data.frame(
  ai = c(4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27),
  bi = c(119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886),
  ci = c(11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29),
  di = c(128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825),
  ablat = c(44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33),
  year = c(1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976)
)
bcg <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg)
bcg$n <- with(bcg, ai + bi + ci + di)
egger <- data.frame(
  ai = c(1, 9, 2, 1, 10, 1, 1, 0, 6, 1, 2, 5, 4, 90, 4, 2216),
  n1i = c(40, 135, 200, 48, 150, 59, 25, 22, 76, 27, 89, 23, 130, 1159, 107, 29011),
  ci = c(2, 23, 7, 1, 8, 9, 3, 1, 11, 7, 12, 13, 8, 118, 17, 2103),
  n2i = c(36, 135, 200, 46, 148, 56, 23, 21, 75, 27, 80, 33, 122, 1157, 108, 29039)
)
egger <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = egger)

rec_fit <- function(res) {
  pr <- if (res$int.only) predict(res) else NULL
  list(beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
       ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2),
       I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QM = num(res$QM),
       QMp = num(res$QMp), R2 = num(res$R2), pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
       weights = num(weights(res)))
}
rec_table <- function(tab) {
  d <- as.data.frame(tab)
  lapply(list(estimate = d$estimate, se = d$se, zval = if (is.null(d$zval)) d$tval else d$zval,
              pval = d$pval, ci_lb = d$ci.lb, ci_ub = d$ci.ub, Q = d$Q, tau2 = d$tau2, I2 = d$I2),
         num)
}

# 1. Refits keep the model ------------------------------------------------------------------
he_bcg <- rma(yi, vi, data = bcg, method = "HE")$tau2
he_egger <- rma(yi, vi, data = egger, method = "HE")$tau2
specs <- list(
  list(name = "bcg_REML_z_w", data = "bcg", method = "REML", test = "z", w = 1 / (bcg$vi + 0.3)),
  list(name = "bcg_DL_knha_n", data = "bcg", method = "DL", test = "knha", w = bcg$n),
  list(name = "bcg_ML_z_n", data = "bcg", method = "ML", test = "z", w = bcg$n),
  list(name = "bcg_GENQ_z", data = "bcg", method = "GENQ", test = "z", w = 1 / (bcg$vi + he_bcg)),
  list(name = "egger_GENQ_knha", data = "egger", method = "GENQ", test = "knha", w = 1 / (egger$vi + he_egger)),
  list(name = "egger_REML_knha_w", data = "egger", method = "REML", test = "knha", w = egger$n1i + egger$n2i)
)
refit_out <- list()
for (s in specs) {
  dat <- if (s$data == "bcg") bcg else egger
  res <- rma(yi, vi, data = dat, method = s$method, test = s$test, weights = s$w)
  inf <- influence(res)
  rt <- regtest(res)
  tf <- capture(trimfill(res))
  refit_out[[length(refit_out) + 1]] <- list(
    name = s$name, data = s$data, method = s$method, test = s$test, weights = num(s$w),
    fit = rec_fit(res), leave1out = rec_table(leave1out(res)), cumul = rec_table(cumul(res)),
    influence = list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
                     cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
                     tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
                     hat = num(inf$inf$hat), weight = num(inf$inf$weight),
                     dfbetas = num(inf$dfbs[[1]]), influential = as.logical(inf$is.infl)),
    regtest = list(zval = num(rt$zval), pval = num(rt$pval), est = num(rt$est)),
    trimfill = if (tf$failed) NULL else list(k0 = num(tf$value$k0), side = tf$value$side,
      beta = num(tf$value$beta), se = num(tf$value$se), tau2 = num(tf$value$tau2),
      yi = num(tf$value$yi), vi = num(tf$value$vi), weights = num(tf$value$weights)))
}
# REML with a starting value and the step adjustment: the refits reuse both.
ctrl_fit <- rma(yi, vi, data = bcg, control = list(tau2.init = 0.5, stepadj = 0.5))
ctrl_out <- list(fit = rec_fit(ctrl_fit), leave1out = rec_table(leave1out(ctrl_fit)))

# 2. A failed refit is one NA row --------------------------------------------------------------
fail_yi <- c(0, 0, 0, 0, 0, 0, 0, 0, 1, 0.5)
fail_vi <- c(rep(1, 8), 0.125, 0.125)
fail_fit <- rma(fail_yi, fail_vi)
fail_l1 <- capture(leave1out(fail_fit))
fail_inf <- capture(influence(fail_fit))
grp <- c("a", rep("b", 6), rep("c", 6))
grp_fit <- rma(yi, vi, mods = ~ factor(grp), data = bcg)
grp_inf <- influence(grp_fit)
failed_out <- list(
  yi = fail_yi, vi = fail_vi, fit = rec_fit(fail_fit), leave1out = rec_table(fail_l1$value),
  influence_rstudent = num(fail_inf$value$inf$rstudent),
  influence_flags = as.logical(fail_inf$value$is.infl),
  factor_groups = grp, factor_rstudent = num(grp_inf$inf$rstudent),
  factor_cook_d = num(grp_inf$inf$cook.d), factor_flags = as.logical(grp_inf$is.infl))

# 3. Warnings, k = 1, identical effects --------------------------------------------------------
warn_cases <- list(
  ee_knha = function() rma(yi, vi, data = bcg, method = "EE", test = "knha"),
  local_max = function() rma(c(-1.29, 0.3, 1.14), c(0.021, 1.548, 1.438), method = "ML"),
  vi_ratio = function() rma(c(0.1, 0.3, 0.2, 0.5), c(1e-8, 0.2, 0.1, 0.3), method = "DL"),
  k1_knha = function() rma(0.4, 0.1, test = "knha"),
  none = function() rma(yi, vi, data = bcg)
)
warn_out <- lapply(names(warn_cases), function(n) {
  r <- capture(warn_cases[[n]]())
  c(list(case = n, warnings = as.list(r$warnings)), if (r$failed) list(error = unclass(r$value)) else rec_fit(r$value))
})
same_yi <- rep(0.2, 5)
same_vi <- c(0.1, 0.2, 0.1, 0.3, 0.2)
identical_out <- list()
for (m in c("EE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS")) for (t in c("z", "knha")) {
  r <- capture(rma(same_yi, same_vi, method = m, test = t))
  identical_out[[length(identical_out) + 1]] <- c(list(method = m, test = t, warnings = as.list(r$warnings)),
    if (r$failed) list(error = unclass(r$value)) else c(rec_fit(r$value), list(se_tau2 = num(r$value$se.tau2))))
}
k1 <- capture(rma(0.4, 0.1, test = "knha"))
k1_out <- c(list(yi = 0.4, vi = 0.1, warnings = as.list(k1$warnings)), rec_fit(k1$value))

# 4. Fidelity points -----------------------------------------------------------------------------
knha_fit <- rma(yi, vi, data = bcg, test = "knha")
cumul_knha <- rec_table(cumul(knha_fit))
tf_knha <- trimfill(rma(yi, vi, data = egger, test = "knha"))
trimfill_knha <- list(k0 = num(tf_knha$k0), test = tf_knha$test, beta = num(tf_knha$beta),
                      se = num(tf_knha$se), ci_lb = num(tf_knha$ci.lb), ci_ub = num(tf_knha$ci.ub),
                      tau2 = num(tf_knha$tau2))
r2_out <- list(
  ablat = num(rma(yi, vi, mods = ~ ablat, data = bcg, method = "EE")$R2),
  ablat_year = num(rma(yi, vi, mods = ~ ablat + year, data = bcg, method = "EE")$R2),
  ablat_weights = num(rma(yi, vi, mods = ~ ablat, data = bcg, method = "EE", weights = n)$R2),
  ablat_REML_weights = num(rma(yi, vi, mods = ~ ablat, data = bcg, weights = n)$R2))
normand <- data.frame(
  n1i = c(155, 31, 75, 18, 8, 57, 34, 110, 60), m1i = c(55, 27, 64, 66, 14, 19, 52, 21, 30),
  sd1i = c(47, 7, 17, 20, 8, 7, 45, 16, 27),
  n2i = c(156, 32, 71, 18, 13, 52, 33, 183, 52), m2i = c(75, 29, 119, 137, 18, 18, 41, 31, 23),
  sd2i = c(64, 4, 29, 48, 11, 4, 34, 27, 20))
normand <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                  data = normand, vtype = "HO")
cap <- capture(confint(rma(yi, vi, data = normand, method = "DL"))$random["tau^2", ])
pm_default <- list(
  bcg = num(rma(yi, vi, data = bcg, method = "PM")$tau2),
  bcg_tight = num(rma(yi, vi, data = bcg, method = "PM", control = TIGHT)$tau2),
  egger = num(rma(yi, vi, data = egger, method = "PM")$tau2),
  egger_tight = num(rma(yi, vi, data = egger, method = "PM", control = TIGHT)$tau2))
fidelity_out <- list(cumul_knha = cumul_knha, trimfill_knha = trimfill_knha, R2_EE = r2_out,
                     qprofile_capped = list(bounds = num(cap$value), warnings = as.list(cap$warnings)),
                     pm_default = pm_default)

# 6. Effect sizes --------------------------------------------------------------------------------
props <- data.frame(xi = c(0, 3, 7, 12, 5, 20), ni = c(15, 20, 25, 40, 18, 20))
cors <- data.frame(ri = c(0.12, 0.45, -0.2, 0.6, 0.33), ni = c(30, 55, 24, 100, 41))
rates <- data.frame(xi = c(0, 4, 12, 30, 7), ti = c(120, 250.5, 800, 1500, 310))
rates2 <- data.frame(x1i = c(3, 10, 0, 25, 8), t1i = c(100, 400, 90, 1000, 260),
                     x2i = c(6, 14, 2, 40, 8), t2i = c(110, 380, 95, 1020, 240))
means <- data.frame(mi = c(5.2, 7.1, 6.4, 4.9), sdi = c(1.1, 2.3, 1.8, 0.9), ni = c(20, 35, 28, 15))
es_out <- list()
add_es <- function(name, e) es_out[[length(es_out) + 1]] <<- list(measure = name, yi = num(e$yi), vi = num(e$vi))
for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) add_es(m, escalc(m, xi = xi, ni = ni, data = props))
for (m in c("COR", "ZCOR")) add_es(m, escalc(m, ri = ri, ni = ni, data = cors))
for (m in c("IR", "IRLN", "IRS", "IRFT")) add_es(m, escalc(m, xi = xi, ti = ti, data = rates))
for (m in c("IRR", "IRD")) add_es(m, escalc(m, x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = rates2))
for (m in c("MN", "MNLN")) add_es(m, escalc(m, mi = mi, sdi = sdi, ni = ni, data = means))
add_es("PR_UB", escalc("PR", xi = xi, ni = ni, data = props, vtype = "UB"))
pft <- escalc("PFT", xi = xi, ni = ni, data = props)
pft_fit <- rma(yi, vi, data = pft)
pft_pred <- predict(pft_fit, transf = transf.ipft.hm, targs = list(ni = props$ni))
pft_backtransform <- list(pred = num(pft_pred$pred), ci_lb = num(pft_pred$ci.lb), ci_ub = num(pft_pred$ci.ub),
                          pi_lb = num(pft_pred$pi.lb), pi_ub = num(pft_pred$pi.ub),
                          study = num(transf.ipft(pft$yi, props$ni)))
effect_sizes <- list(data = list(props = as.list(props), cors = as.list(cors), rates = as.list(rates),
                                 rates2 = as.list(rates2), means = as.list(means)),
                     escalc = es_out, pft_backtransform = pft_backtransform)

# 8. Robust SEs, adhoc, anova ------------------------------------------------------------------
cluster <- c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6)
robust_out <- list()
for (spec in list(list("REML", NULL), list("DL", NULL), list("REML", "ablat"), list("EE", NULL))) {
  res <- if (is.null(spec[[2]])) rma(yi, vi, data = bcg, method = spec[[1]]) else
    rma(yi, vi, mods = ~ ablat, data = bcg, method = spec[[1]])
  for (adj in c(TRUE, FALSE)) {
    rb <- robust(res, cluster = cluster, adjust = adj)
    robust_out[[length(robust_out) + 1]] <- list(method = spec[[1]], mods = spec[[2]], adjust = adj,
      beta = num(rb$beta), se = num(rb$se), zval = num(rb$zval), pval = num(rb$pval),
      ci_lb = num(rb$ci.lb), ci_ub = num(rb$ci.ub), df = num(rb$dfs), QM = num(rb$QM), QMp = num(rb$QMp))
  }
}
adhoc_out <- list()
for (d in c("bcg", "egger")) for (m in c("REML", "DL")) {
  dat <- if (d == "bcg") bcg else egger
  adhoc_out[[length(adhoc_out) + 1]] <- c(list(data = d, method = m),
    rec_fit(rma(yi, vi, data = dat, method = m, test = "adhoc")))
}
adhoc_out[[length(adhoc_out) + 1]] <- c(list(data = "bcg", method = "REML", mods = "ablat"),
  rec_fit(rma(yi, vi, mods = ~ ablat, data = bcg, test = "adhoc")))
anova_out <- list()
for (m in c("ML", "REML")) {
  full <- rma(yi, vi, mods = ~ ablat + year, data = bcg, method = m)
  red <- rma(yi, vi, mods = ~ ablat, data = bcg, method = m)
  a <- if (m == "ML") anova(full, red) else NULL
  w <- anova(full, btt = 2:3)
  anova_out[[length(anova_out) + 1]] <- list(method = m,
    LRT = if (is.null(a)) NULL else num(a$LRT), LRT_pval = if (is.null(a)) NULL else num(a$pval),
    tau2_full = num(full$tau2), tau2_reduced = num(red$tau2),
    R2 = if (is.null(a)) NULL else num(a$R2),
    Wald_QM = num(w$QM), Wald_pval = num(w$QMp), Wald_df = num(w$QMdf))
}
knha_full <- rma(yi, vi, mods = ~ ablat + year, data = bcg, test = "knha")
wk <- anova(knha_full, btt = 3)
anova_out[[length(anova_out) + 1]] <- list(method = "REML", test = "knha", Wald_QM = num(wk$QM),
  Wald_pval = num(wk$QMp), Wald_df = num(wk$QMdf))

# 9. Fail-safe N and the test of excess significance ---------------------------------------------
fsn_out <- list()
for (d in c("bcg", "egger")) {
  dat <- if (d == "bcg") bcg else egger
  ros <- fsn(yi, vi, data = dat)
  orw <- fsn(yi, vi, data = dat, type = "Orwin", target = -0.1)
  orw_default <- fsn(yi, vi, data = dat, type = "Orwin")
  rsb <- fsn(yi, vi, data = dat, type = "Rosenberg")
  fsn_out[[length(fsn_out) + 1]] <- list(data = d,
    rosenthal = list(fsnum = num(ros$fsnum), pval = num(ros$pval)),
    orwin = list(fsnum = num(orw$fsnum), target = -0.1, meanes = num(orw$meanes)),
    orwin_default = list(fsnum = num(orw_default$fsnum), target = num(orw_default$target)),
    rosenberg = list(fsnum = num(rsb$fsnum), pval = num(rsb$pval), meanes = num(rsb$meanes)))
}
tes_out <- list()
for (d in c("bcg", "egger")) {
  dat <- if (d == "bcg") bcg else egger
  tt <- tes(yi, vi, data = dat, progbar = FALSE)
  tes_out[[length(tes_out) + 1]] <- list(data = d, O = num(tt$O), E = num(tt$E),
    OEratio = num(tt$OEratio), pval = num(tt$pval), power = num(tt$power), theta = num(tt$theta))
}

# 8b. Multilevel model: schools within districts (dat.konstantopoulos2011, metafor's data) -------
k11 <- dat.konstantopoulos2011
mv_out <- list()
for (m in c("REML", "ML")) for (mods in list(NULL, "year")) {
  fit <- function(ctrl) {
    if (is.null(mods)) rma.mv(yi, vi, random = ~ 1 | district/school, data = k11, method = m, control = ctrl)
    else rma.mv(yi, vi, mods = ~ I(year - 1980), random = ~ 1 | district/school, data = k11, method = m, control = ctrl)
  }
  tight <- fit(list(rel.tol = 1e-10, eval.max = 10000, iter.max = 10000))
  default <- fit(list())
  mv_out[[length(mv_out) + 1]] <- list(method = m, mods = mods,
    beta = num(tight$beta), se = num(tight$se), zval = num(tight$zval), pval = num(tight$pval),
    ci_lb = num(tight$ci.lb), ci_ub = num(tight$ci.ub), sigma2 = num(tight$sigma2),
    logLik = num(logLik(tight)), QE = num(tight$QE), QM = num(tight$QM),
    default_sigma2 = num(default$sigma2), default_beta = num(default$beta))
}
multilevel_out <- list(data = as.list(k11[, c("district", "school", "year", "yi", "vi")]), fits = mv_out)

# 9b. Step-function selection models (dat.hackshaw1998, metafor's example data) -----------------
hack <- dat.hackshaw1998
sel_out <- list()
for (m in c("ML", "EE")) for (st in list(c(0.025, 1), c(0.025, 0.10, 0.50, 1))) {
  fit <- rma(yi, vi, data = hack, method = m)
  sel <- selmodel(fit, type = "stepfun", steps = st, control = list(reltol = 1e-14, maxit = 10000))
  sel_out[[length(sel_out) + 1]] <- list(method = m, steps = st, beta = num(sel$beta), se = num(sel$se),
    zval = num(sel$zval), pval = num(sel$pval), ci_lb = num(sel$ci.lb), ci_ub = num(sel$ci.ub),
    tau2 = num(sel$tau2), se_tau2 = num(sel$se.tau2), delta = num(sel$delta), se_delta = num(sel$se.delta),
    ll = num(sel$ll), LRT = num(sel$LRT), LRTp = num(sel$LRTp), LRTdf = num(sel$LRTdf),
    k_per_interval = num(sel$ptable$k))
}
selection_out <- list(data = as.list(hack[, c("yi", "vi")]), fits = sel_out)

# 10. Exact permutation tests -------------------------------------------------------------------
perm_out <- list()
for (spec in list(list("REML", "z", 10, FALSE), list("DL", "knha", 9, FALSE),
                  list("REML", "z", 7, TRUE), list("DL", "knha", 7, TRUE))) {
  d <- bcg[seq_len(spec[[3]]), ]
  fit <- if (spec[[4]]) rma(yi, vi, mods = ~ ablat, data = d, method = spec[[1]], test = spec[[2]]) else
    rma(yi, vi, data = d, method = spec[[1]], test = spec[[2]])
  pt <- permutest(fit, exact = TRUE, progbar = FALSE)
  perm_out[[length(perm_out) + 1]] <- list(method = spec[[1]], test = spec[[2]], k = spec[[3]],
    mods = spec[[4]], pval = num(pt$pval), QMp = num(pt$QMp), zval = num(pt$zval), QM = num(pt$QM))
}

# Random data sets --------------------------------------------------------------------------------
rnd <- fromJSON(random_path, simplifyVector = TRUE)
random_out <- list()
for (i in seq_len(nrow(rnd$datasets))) {
  d <- rnd$datasets[i, ]
  yi <- d$yi[[1]]; vi <- d$vi[[1]]; x <- d$x[[1]]; w <- d$weights[[1]]
  fits <- list()
  for (m in c("EE", "DL", "REML", "ML", "PM", "EB", "HE", "SJ", "HS")) for (t in c("z", "knha")) {
    ctrl <- if (m == "PM") TIGHT else list()
    r <- capture(rma(yi, vi, method = m, test = t, control = ctrl))
    fits[[length(fits) + 1]] <- c(list(method = m, test = t, warnings = as.list(r$warnings)),
      if (r$failed) list(error = unclass(r$value)) else rec_fit(r$value))
  }
  reml <- capture(rma(yi, vi))
  extra <- list()
  if (!reml$failed) {
    l1 <- capture(leave1out(reml$value))
    tf <- capture(trimfill(reml$value))
    extra$leave1out <- if (l1$failed) NULL else rec_table(l1$value)
    extra$trimfill <- if (tf$failed) NULL else list(k0 = num(tf$value$k0), beta = num(tf$value$beta),
                                                  tau2 = num(tf$value$tau2))
  }
  wf <- capture(rma(yi, vi, weights = w))
  if (!wf$failed) {
    extra$weighted <- rec_fit(wf$value)
    l1w <- capture(leave1out(wf$value))
    extra$weighted_leave1out <- if (l1w$failed) NULL else rec_table(l1w$value)
  }
  if (length(yi) >= 4) {
    mr <- capture(rma(yi, vi, mods = ~ x))
    if (!mr$failed) extra$metareg <- rec_fit(mr$value)
  }
  random_out[[i]] <- c(list(yi = yi, vi = vi, fits = fits), extra)
}

result <- list(
  generator = "tools/metafor/make_reference_ext.R",
  metafor_version = as.character(packageVersion("metafor")),
  R_version = paste(R.version$major, R.version$minor, sep = "."),
  notes = "PM (random sets) and confint run with control tol = 1e-12 where stated; all else metafor defaults.",
  refits = refit_out, control_refits = ctrl_out, failed_refits = failed_out,
  warnings = warn_out, identical_effects = identical_out, k1 = k1_out, fidelity = fidelity_out,
  effect_sizes = effect_sizes, robust = robust_out, adhoc = adhoc_out, anova = anova_out,
  fsn = fsn_out, tes = tes_out, multilevel = multilevel_out, selection = selection_out, permutation = perm_out, random = list(seed = rnd$seed, datasets = random_out)
)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = FALSE), out_path)
cat("wrote", out_path, "\n")
