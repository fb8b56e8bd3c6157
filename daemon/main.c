/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - perf-analysisd: options, state directory lock, start-up order and
 * the poll loop.
 *
 * Start-up order makes "the socket exists" mean "the daemon is ready": lock
 * the state directory, open the store, load the kernel side, then rename the
 * bound socket into place. SIGTERM/SIGINT end the loop; everything
 * acknowledged is already committed, so shutdown only detaches and removes
 * the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "alerts.h"
#include "apps.h"
#include "daemon.h"
#include "http.h"
#include "resources.h"
#include "rpc-server.h"

void pa_log(const char *fmt, ...)
{
	va_list ap;

	fputs("perf-analysisd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fputs("USAGE: perf-analysisd [OPTIONS]\n"
	      "\n"
	      "The perf-analysis daemon: loads the kernel side, keeps statistics in per-window\n"
	      "snapshots and answers perf-analysis(1) and libperfanalysis on a Unix socket.\n"
	      "Runs in the foreground and logs to stderr.\n"
	      "\n"
	      "OPTIONS:\n"
	      "  -s, --socket PATH           socket (default $PERF_ANALYSIS_SOCKET or " PA_DEFAULT_SOCKET ")\n"
	      "  -d, --state-dir DIR         state (default $PERF_ANALYSIS_STATE_DIR or " PA_DEFAULT_STATE_DIR ")\n"
	      "  -w, --window-ms MS          length of a statistics window (default 1000)\n"
	      "      --windows N             windows kept per event (default 300)\n"
	      "      --observe-group GROUP   group allowed to read statistics (default " PA_DEFAULT_GROUP ")\n"
	      "      --configure-group GROUP group allowed to enable/configure/reset/baseline\n"
	      "                              (default " PA_DEFAULT_GROUP "; '' = root only)\n"
	      "      --client-timeout-ms MS  disconnect clients stalled this long (default 5000)\n"
	      "      --max-clients N         connections served at once (default 1024)\n"
	      "      --max-clients-per-user N  connections per non-root user (default 64; 0 = no limit)\n"
	      "      --bpf-stats             measure the eBPF programs' own run time (kernel.bpf_stats_enabled;\n"
	      "                              also on whenever an overhead budget is configured)\n"
	      "      --alert-command PATH    run PATH (no shell, no arguments) for every alert that fires or\n"
	      "                              resolves, with the alert in PA_ALERT_* environment variables\n"
	      "      --http [ADDR:]PORT      serve the dashboard, /metrics and /api/ (read-only) over HTTP;\n"
	      "                              ADDR defaults to 127.0.0.1, PORT 0 picks a free port (default: off)\n"
	      "      --http-allow-remote     allow --http on an address other than loopback (unauthenticated!)\n"
	      "      --history-interval-ms MS  window history for trend: one row per event every MS (default 10000)\n"
	      "      --history-retention SECONDS  keep that much history (default 604800, 7 days)\n"
	      "      --no-resources          do not load resource tracking and correlation (top, correlate):\n"
	      "                              saves its cost on sys_enter/sys_exit/sched_switch\n"
	      "      --no-capture            do not load kernel event capture (the twelve events' statistics,\n"
	      "                              samples, alerts): resource tracking alone, with its own programs\n"
	      "  -h, --help                  this help\n"
	      "  -V, --version               print the version\n"
	      "\n"
	      "EXAMPLES:\n"
	      "  perf-analysisd                                   # as root, system instance\n"
	      "  PERF_ANALYSIS_SOCKET=/tmp/pa.sock PERF_ANALYSIS_STATE_DIR=/tmp/pa perf-analysisd\n"
	      "\n"
	      "Exit status: 0 after SIGTERM/SIGINT, 1 on a start-up failure, 2 on bad usage.\n", f);
}

/* Tell systemd (Type=notify) we are ready; a no-op outside systemd. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(a.sun_path))
		return;
	memcpy(a.sun_path, path, strlen(path));
	if (a.sun_path[0] == '@')
		a.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)!sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&a, len);
	close(fd);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int lock_state_dir(struct pa_daemon *d)
{
	char path[4096], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/lock", d->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		pa_log("cannot open %s: %s (is the state directory writable?)", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		pa_log("another perf-analysisd (pid %s) already uses the state directory %s; stop it first, "
		       "or set PERF_ANALYSIS_STATE_DIR to another directory", *pid ? pid : "?", d->state_dir);
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		pa_log("warning: cannot write the pid to %s", path);
	d->lock_fd = fd;
	return 0;
}

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "perf-analysisd: %s '%s' is not a number in %u-%u\n", opt, s, min, max);
		return -1;
	}
	*ret = (uint32_t)v;
	return 0;
}

static void resolve_group(const char *name, const char *what, bool *ret_valid, gid_t *ret_gid)
{
	*ret_valid = pa_group_resolve(name, ret_gid) == 0;
	if (!*ret_valid && name && *name)
		pa_log("group '%s' does not exist: only root may %s (create it: groupadd %s)", name, what, name);
}

enum { OPT_WINDOWS = 0x100, OPT_OBSERVE_GROUP, OPT_CONFIGURE_GROUP, OPT_CLIENT_TIMEOUT, OPT_MAX_CLIENTS, OPT_BPF_STATS,
       OPT_MAX_PER_USER, OPT_HTTP, OPT_HTTP_ALLOW_REMOTE, OPT_HISTORY_INTERVAL, OPT_HISTORY_RETENTION,
       OPT_ALERT_COMMAND, OPT_NO_RESOURCES, OPT_NO_CAPTURE };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "window-ms", required_argument, NULL, 'w' },
		{ "windows", required_argument, NULL, OPT_WINDOWS },
		{ "observe-group", required_argument, NULL, OPT_OBSERVE_GROUP },
		{ "configure-group", required_argument, NULL, OPT_CONFIGURE_GROUP },
		{ "client-timeout-ms", required_argument, NULL, OPT_CLIENT_TIMEOUT },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "bpf-stats", no_argument, NULL, OPT_BPF_STATS },
		{ "http", required_argument, NULL, OPT_HTTP },
		{ "http-allow-remote", no_argument, NULL, OPT_HTTP_ALLOW_REMOTE },
		{ "max-clients-per-user", required_argument, NULL, OPT_MAX_PER_USER },
		{ "history-interval-ms", required_argument, NULL, OPT_HISTORY_INTERVAL },
		{ "history-retention", required_argument, NULL, OPT_HISTORY_RETENTION },
		{ "alert-command", required_argument, NULL, OPT_ALERT_COMMAND },
		{ "no-resources", no_argument, NULL, OPT_NO_RESOURCES },
		{ "no-capture", no_argument, NULL, OPT_NO_CAPTURE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct pa_daemon d = { .lock_fd = -1 };
	bool bpf_stats = false, resources = true, capture = true;
	const char *alert_command = NULL;
	const char *observe_group = PA_DEFAULT_GROUP, *configure_group = PA_DEFAULT_GROUP;
	uint32_t window_ms = 1000, windows = 300, timeout_ms = 5000, max_clients = 1024, per_user = 64;
	struct rlimit rl;
	struct pa_rpc *rpc = NULL;
	const char *http_addr = NULL;
	bool http_allow_remote = false, http_loopback = true;
	struct pa_http *http = NULL;
	int sfd = -1, tfd = -1, c, rc = 1, r;
	struct pollfd *fds = NULL;
	char err[512], *socket_dir;
	struct itimerspec its;
	sigset_t mask;

	d.socket_path = getenv("PERF_ANALYSIS_SOCKET");
	d.state_dir = getenv("PERF_ANALYSIS_STATE_DIR");
	while ((c = getopt_long(argc, argv, "s:d:w:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': d.socket_path = optarg; break;
		case 'd': d.state_dir = optarg; break;
		case 'w': if (parse_u32("--window-ms", optarg, 10, 3600000, &window_ms) < 0) return 2; break;
		case OPT_WINDOWS: if (parse_u32("--windows", optarg, 2, 86400, &windows) < 0) return 2; break;
		case OPT_OBSERVE_GROUP: observe_group = optarg; break;
		case OPT_CONFIGURE_GROUP: configure_group = optarg; break;
		case OPT_CLIENT_TIMEOUT:
			if (parse_u32("--client-timeout-ms", optarg, 10, 3600000, &timeout_ms) < 0) return 2;
			break;
		case OPT_MAX_CLIENTS: if (parse_u32("--max-clients", optarg, 1, 65536, &max_clients) < 0) return 2; break;
		case OPT_BPF_STATS: bpf_stats = true; break;
		case OPT_HTTP: {
			struct sockaddr_storage ss;
			socklen_t sl;
			bool lo;

			http_addr = optarg;
			if (pa_http_parse_addr(optarg, &ss, &sl, &lo, err, sizeof(err)) < 0) {
				fprintf(stderr, "perf-analysisd: %s\n", err);
				return 2;
			}
			http_loopback = lo;
			break;
		}
		case OPT_HTTP_ALLOW_REMOTE: http_allow_remote = true; break;
		case OPT_NO_RESOURCES: resources = false; break;
		case OPT_NO_CAPTURE: capture = false; break;
		case OPT_MAX_PER_USER:
			if (parse_u32("--max-clients-per-user", optarg, 0, 65536, &per_user) < 0) return 2;
			break;
		case OPT_HISTORY_INTERVAL:
			if (parse_u32("--history-interval-ms", optarg, 10, 86400000, &d.history_interval_ms) < 0) return 2;
			break;
		case OPT_HISTORY_RETENTION:
			if (parse_u32("--history-retention", optarg, 1, 3650u * 86400u, &d.history_retention_s) < 0) return 2;
			break;
		case OPT_ALERT_COMMAND:
			if (optarg[0] != '/' || access(optarg, X_OK) < 0) {
				fprintf(stderr, "perf-analysisd: --alert-command '%s' must be the absolute path of an "
					"executable file (it is run without a shell)\n", optarg);
				return 2;
			}
			alert_command = optarg;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("perf-analysisd %s (protocol %d)\n", PA_VERSION, PA_PROTO_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "perf-analysisd: unexpected argument '%s' (see perf-analysisd --help)\n", argv[optind]);
		return 2;
	}
	if (http_addr && !http_loopback && !http_allow_remote) {
		fprintf(stderr, "perf-analysisd: --http %s is not a loopback address; the dashboard and /metrics have no "
			"authentication, so listening beyond this machine needs --http-allow-remote\n", http_addr);
		return 2;
	}
	if (!d.socket_path || !*d.socket_path)
		d.socket_path = PA_DEFAULT_SOCKET;
	if (!d.state_dir || !*d.state_dir)
		d.state_dir = PA_DEFAULT_STATE_DIR;
	d.window_ns = (uint64_t)window_ms * 1000000ull;
	d.n_windows = windows;
	d.client_timeout_ms = timeout_ms;
	d.max_clients = max_clients;
	d.max_clients_per_user = per_user;
	/* Room for every client plus the daemon's own descriptors (BPF maps, links, database). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max_clients + 256) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)max_clients + 256 ? rl.rlim_max : (rlim_t)max_clients + 256;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	d.observe_group = observe_group;
	d.configure_group = configure_group;
	resolve_group(observe_group, "observe", &d.observe_gid_valid, &d.observe_gid);
	resolve_group(configure_group, "configure", &d.configure_gid_valid, &d.configure_gid);
	signal(SIGPIPE, SIG_IGN);

	r = mkdir_p(d.state_dir, 0750);
	if (r < 0) {
		pa_log("cannot create the state directory %s: %s", d.state_dir, strerror(-r));
		return 1;
	}
	socket_dir = strdup(d.socket_path);
	if (socket_dir && strrchr(socket_dir, '/') && strrchr(socket_dir, '/') != socket_dir) {
		*strrchr(socket_dir, '/') = '\0';
		r = mkdir_p(socket_dir, 0755);
		if (r < 0)
			pa_log("cannot create %s: %s", socket_dir, strerror(-r));
	}
	free(socket_dir);
	if (lock_state_dir(&d) < 0)
		return 1;
	r = pa_store_open(d.state_dir, &d.store, err, sizeof(err));
	if (r < 0) {
		pa_log("%s", err);
		goto out;
	}
	pa_config_defaults(&d.cfg);
	if (pa_store_load_config(d.store, &d.cfg) < 0) {
		pa_log("cannot read the configuration from %s/state.db", d.state_dir);
		goto out;
	}
	d.cfg.cc.prog_stats = bpf_stats;
	if (pa_alerts_init(&d, alert_command) < 0)
		goto out;

	/*
	 * Resource tracking first: the collector's syscall programs then do its
	 * part of each syscall on its maps (one program per hook, not two), and
	 * its sched_switch is attached before they run.
	 */
	if (resources) {
		r = pa_resources_open(true, &d.resources, &d.resources_why);
	} else {
		r = -ECANCELED;
		d.resources_why = "turned off with --no-resources";
	}
	if (r < 0) {
		d.resources = NULL;
		pa_log("resource tracking unavailable: %s", d.resources_why ? d.resources_why : strerror(-r));
	}
	{
		struct pa_collector_config cc = d.cfg.cc;
		struct pa_res_maps res_maps;
		const char *why = NULL;

		if (!d.cfg.enabled)
			cc.event_mask = 0;
		pa_alerts_collector_config(&d, &cc);
		if (d.resources)
			pa_resources_maps(d.resources, &res_maps);
		if (capture) {
			r = pa_collector_open(&cc, d.resources ? &res_maps : NULL, &d.collector, &why);
		} else {
			r = -ECANCELED;
			why = "turned off with --no-capture";
		}
		if (r < 0) {
			d.collector = NULL;
			d.collector_why = why ? why : strerror(-r);
			pa_log("kernel capture unavailable: %s; serving without kernel events", d.collector_why);
			/* resource tracking's own syscall programs, then */
			if (d.resources)
				(void)pa_resources_set_carried(d.resources, false);
		}
	}
	r = pa_apps_init(&d);
	if (r == 0)
		r = pa_engine_init(&d);
	if (r < 0) {
		pa_log("cannot allocate %u windows per event: %s (try --windows with a smaller number)", d.n_windows,
		       strerror(-r));
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0) {
		pa_log("cannot create signalfd/timerfd: %s", strerror(errno));
		goto out;
	}
	its.it_interval.tv_sec = (time_t)(window_ms / 1000);
	its.it_interval.tv_nsec = (long)(window_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	timerfd_settime(tfd, 0, &its, NULL);

	r = pa_rpc_adopt(&d, &rpc);
	if (r == 0)
		pa_log("using the socket passed by systemd (socket activation)");
	else
		r = pa_rpc_open(&d, d.socket_path, &rpc, err, sizeof(err));
	if (r < 0) {
		pa_log("%s", err);
		goto out;
	}
	if (http_addr) {
		r = pa_http_open(&d, http_addr, http_allow_remote, &http, err, sizeof(err));
		if (r < 0) {
			pa_log("%s", err);
			goto out;
		}
		pa_log("http: dashboard and /metrics on %s (read-only)", pa_http_url(http));
	}
	fds = calloc(d.max_clients + 5, sizeof(*fds));
	if (!fds)
		goto out;
	if (pa_rpc_publish(rpc, err, sizeof(err)) < 0) {
		pa_log("%s", err);
		goto out;
	}
	pa_log("ready on %s (state %s, monitoring %s, kernel capture %s)", d.socket_path, d.state_dir,
	       d.cfg.enabled ? "enabled" : "disabled", d.collector ? "loaded" : "unavailable");
	notify_ready();

	for (;;) {
		int cfd = d.collector ? pa_collector_fd(d.collector) : -1;
		int apps_ms = pa_apps_poll_timeout_ms(&d); /* programs attached: drain every 5-25 ms */
		unsigned int n;

		fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		fds[2] = (struct pollfd){ .fd = cfd, .events = POLLIN };
		fds[3] = (struct pollfd){ .fd = pa_http_fd(http), .events = POLLIN };
		n = pa_rpc_pollfds(rpc, fds + 4, d.max_clients + 1);
		if (poll(fds, n + 4, apps_ms >= 0 ? apps_ms : 250) < 0 && errno != EINTR) {
			pa_log("poll: %s", strerror(errno));
			goto out;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP) {
				pa_log("signal %u: shutting down", si.ssi_signo);
				break;
			}
		}
		if (fds[1].revents & POLLIN) {
			uint64_t ticks;

			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				pa_engine_tick(&d);
		}
		if (cfd >= 0 && (fds[2].revents & POLLIN))
			pa_engine_drain(&d);
		pa_rpc_handle(rpc, fds + 4, n);
		pa_apps_poll(&d);
		pa_rpc_sweep(rpc);
		if (fds[3].revents & POLLIN)
			pa_http_run(http);
	}
	rc = 0;
out:
	pa_http_free(http);
	pa_rpc_free(rpc);
	pa_apps_done(&d);
	free(fds);
	pa_collector_free(d.collector);
	if (d.store)
		pa_history_done(&d);
	pa_resources_free(d.resources);
	pa_engine_done(&d);
	pa_alerts_done(&d);
	pa_store_free(d.store);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	return rc;
}
