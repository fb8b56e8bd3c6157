/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pa-errno.h - error numbers for the freestanding engine.
 *
 * core/ may not include <errno.h> (there is no libc in a kernel), yet it
 * follows the project rule "return a negative errno". These are the Linux
 * values, so user-space callers can pass them to strerror(-ret) unchanged.
 */
#ifndef PA_CORE_ERRNO_H
#define PA_CORE_ERRNO_H

#define PA_ENOENT 2
#define PA_ENOMEM 12
#define PA_EEXIST 17
#define PA_EINVAL 22
#define PA_ENOSPC 28
#define PA_ERANGE 34
#define PA_ENAMETOOLONG 36

#endif /* PA_CORE_ERRNO_H */
