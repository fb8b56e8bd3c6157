#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cp-accuracy.sh BUILD_DIR - change-point precision/recall/F1 of E-divisive
# against the seed's naive rule (bench/accuracy/cp-accuracy.c).
set -eu
"${1:-build}/bench/cp-accuracy"
