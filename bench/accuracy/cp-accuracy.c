/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cp-accuracy.c - how well change points are found, against the seed's naive
 * rule, on seeded synthetic histories with known change points.
 *
 * Usage: cp-accuracy [-n SERIES] [-s SEED]
 *
 * Each noise model gets SERIES series of 200 points (oldest first) with 0 to
 * 3 level changes of 15 % to 50 % (up or down) at random places at least 20
 * points apart. A detected change counts as right if it is within 5 points of
 * a true one (each true one matched once). Reported per model: precision,
 * recall and F1 of E-divisive (core/changepoint.h, defaults) and of the naive
 * rule "the mean of the next 10 points differs from the mean of the previous
 * 10 by more than 20 %" (one alarm per run of triggers, at its largest
 * difference), and the ratio of the two F1s. The drift model is run twice,
 * the second time dropping changes below 10 % (min_change_pct). Same seed,
 * same numbers.
 * Exit status: 0, or 2 on bad usage.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"

#define LEN 200
#define MARGIN 5
#define NAIVE_W 10
#define NAIVE_T 0.20

enum model { NORMAL, LOGNORMAL, BIMODAL, SPIKES, DRIFT, DRIFT_MIN, MODEL_MAX };

static const char *const model_names[MODEL_MAX] = {
	[NORMAL] = "normal 5 %",
	[LOGNORMAL] = "log-normal 10 %",
	[BIMODAL] = "bimodal (30 % at +25 %)",
	[SPIKES] = "spikes (3 % at 3-10x)",
	[DRIFT] = "drift +10 % over the series",
	[DRIFT_MIN] = "drift, min_change_pct 10",
};

struct score {
	long tp, fp, fn;
};

static double gauss(struct pa_rng *r)
{
	double u1 = pa_rng_uniform(r), u2 = pa_rng_uniform(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* A series with `k` changes; returns their positions in truth[]. */
static int make_series(struct pa_rng *r, enum model m, int k, double *y, int *truth)
{
	double level = 1000.0;
	int nt = 0;

	while (nt < k) {
		int pos = 20 + (int)pa_rng_below(r, LEN - 40), ok = 1;

		for (int i = 0; i < nt; i++)
			ok &= abs(truth[i] - pos) >= 20;
		if (ok)
			truth[nt++] = pos;
	}
	for (int i = 1; i < nt; i++) /* sort */
		for (int j = i; j > 0 && truth[j - 1] > truth[j]; j--) {
			int t = truth[j];

			truth[j] = truth[j - 1];
			truth[j - 1] = t;
		}
	for (int i = 0, c = 0; i < LEN; i++) {
		double v, u;

		if (c < nt && i == truth[c]) {
			double f = 0.15 + 0.35 * pa_rng_uniform(r);

			level *= pa_rng_below(r, 2) ? 1.0 + f : 1.0 / (1.0 + f);
			c++;
		}
		u = pa_rng_uniform(r);
		switch (m) {
		case NORMAL:
			v = level * (1 + 0.05 * gauss(r));
			break;
		case LOGNORMAL:
			v = level * exp(0.10 * gauss(r));
			break;
		case BIMODAL:
			v = level * (1 + 0.03 * gauss(r)) * (u < 0.3 ? 1.25 : 1.0);
			break;
		case SPIKES:
			v = level * (1 + 0.05 * gauss(r)) * (u < 0.03 ? 3.0 + 7.0 * pa_rng_uniform(r) : 1.0);
			break;
		default: /* DRIFT */
			v = level * (1 + 0.10 * i / LEN) * (1 + 0.05 * gauss(r));
			break;
		}
		y[i] = v;
	}
	return nt;
}

static int naive(const double *y, int *found)
{
	int n = 0, run_start = -1;
	double best = 0;

	for (int i = NAIVE_W; i + NAIVE_W <= LEN; i++) {
		double before = 0, after = 0, d;

		for (int k = 0; k < NAIVE_W; k++) {
			before += y[i - NAIVE_W + k];
			after += y[i + k];
		}
		d = fabs(after / before - 1.0);
		if (d > NAIVE_T) {
			if (run_start < 0) {
				run_start = i;
				best = 0;
				found[n++] = i;
			}
			if (d > best) {
				best = d;
				found[n - 1] = i;
			}
		} else {
			run_start = -1;
		}
	}
	return n;
}

static void score(const int *truth, int nt, const int *found, int nf, struct score *s)
{
	bool used[LEN] = { false };

	for (int t = 0; t < nt; t++) {
		int best = -1;

		for (int f = 0; f < nf; f++)
			if (!used[f] && abs(found[f] - truth[t]) <= MARGIN &&
			    (best < 0 || abs(found[f] - truth[t]) < abs(found[best] - truth[t])))
				best = f;
		if (best >= 0) {
			used[best] = true;
			s->tp++;
		} else {
			s->fn++;
		}
	}
	for (int f = 0; f < nf; f++)
		s->fp += !used[f];
}

static void prf(const struct score *s, double *p, double *r, double *f1)
{
	*p = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 1.0;
	*r = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 1.0;
	*f1 = *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0.0;
}

int main(int argc, char **argv)
{
	static _Alignas(8) unsigned char scratch[64 * 1024];
	long series = 200;
	unsigned long long seed = 1;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n':
			series = strtol(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: cp-accuracy [-n SERIES] [-s SEED]\n");
			return 2;
		}
	}
	if (series < 1 || series > 1000000) {
		fprintf(stderr, "cp-accuracy: -n must be 1..1000000, got %ld\n", series);
		return 2;
	}
	printf("change-point accuracy: %ld series x %d points per model, 0-3 changes of 15-50 %%, "
	       "match within %d points, seed %llu\n",
	       series, LEN, MARGIN, seed);
	printf("  %-28s %26s   %26s   %s\n", "noise model", "E-divisive  P / R / F1", "naive 20 %  P / R / F1",
	       "F1 ratio");
	for (int m = 0; m < MODEL_MAX; m++) {
		struct score ed = { 0 }, nv = { 0 };
		struct pa_rng r;
		double p1, r1, f1, p2, r2, f2;
		struct pa_cp_params params;

		pa_cp_params_default(&params);
		if (m == DRIFT_MIN)
			params.min_change_pct = 10;
		/* DRIFT_MIN sees the very series DRIFT saw */
		pa_rng_seed(&r, seed * 1000003u + (unsigned)(m == DRIFT_MIN ? DRIFT : m));
		for (long s = 0; s < series; s++) {
			double y[LEN];
			int truth[3], nt, found[LEN], nf;
			struct pa_change_point cps[LEN / PA_CP_MIN_SEGMENT_DEFAULT];
			struct pa_cp_result res;

			nt = make_series(&r, m == DRIFT_MIN ? DRIFT : (enum model)m, (int)(s % 4), y, truth);
			nf = pa_cp_detect(y, LEN, &params, scratch, sizeof(scratch), cps, LEN / PA_CP_MIN_SEGMENT_DEFAULT,
					  &res);
			if (nf < 0) {
				fprintf(stderr, "cp-accuracy: pa_cp_detect failed: %s\n", strerror(-nf));
				return 1;
			}
			for (int i = 0; i < nf; i++)
				found[i] = (int)cps[i].index;
			score(truth, nt, found, nf, &ed);
			nf = naive(y, found);
			score(truth, nt, found, nf, &nv);
		}
		prf(&ed, &p1, &r1, &f1);
		prf(&nv, &p2, &r2, &f2);
		printf("  %-28s %8.3f / %.3f / %.3f   %8.3f / %.3f / %.3f   %6.2fx\n", model_names[m], p1, r1, f1, p2,
		       r2, f2, f2 > 0 ? f1 / f2 : 0.0);
	}
	return 0;
}
