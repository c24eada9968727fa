// SPDX-License-Identifier: GPL-2.0
/*
 * Taskstats over generic netlink, written from the kernel's
 * Documentation/accounting/taskstats.rst and <linux/taskstats.h>.
 *
 * Two sockets: one for queries, whose only traffic is the replies to its
 * own requests, and one registered for exit notifications, which the
 * kernel fills as tasks exit (registration is by the sending socket's
 * port id).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include "procfs.h"
#include "taskstats.h"

#define MSG_BUF		(64 << 10)
/* Room for a burst of exit notifications between two drains (<= 50 ms). */
#define LISTEN_RCVBUF	(4 << 20)

struct hf_taskstats {
	int query_fd, listen_fd;
	uint16_t family;
	uint32_t seq;
	bool listening;
	char cpumask[256];	/* what we registered for */
	uint64_t lost;
	char *buf;
};

int hf_delayacct_enabled(void)
{
	char path[512], buf[32];
	ssize_t n = hf_read_file(hf_path(path, sizeof(path), "/proc/sys/kernel/task_delayacct"),
				 buf, sizeof(buf));

	if (n < 0)
		return n;
	return atoi(buf) != 0;
}

static int nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	/* The kernel answers within sendto(); this only guards a lost reply. */
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* A generic netlink request carrying one attribute. */
static int send_request(int fd, uint16_t type, uint8_t cmd, uint16_t flags, uint32_t seq,
			uint16_t attr, const void *data, size_t len)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[512];
	} req;
	struct nlattr *na = (struct nlattr *)req.attrs;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (NLA_HDRLEN + len > sizeof(req.attrs))
		return -E2BIG;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(NLA_HDRLEN + len);
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | flags;
	req.n.nlmsg_seq = seq;
	req.g.cmd = cmd;
	req.g.version = TASKSTATS_GENL_VERSION;
	na->nla_type = attr;
	na->nla_len = NLA_HDRLEN + len;
	memcpy((char *)na + NLA_HDRLEN, data, len);
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* One datagram into buf: its length or -errno (-EMSGSIZE if truncated). */
static ssize_t receive(int fd, char *buf, size_t size, int flags)
{
	struct sockaddr_nl sa;
	struct iovec iov = { buf, size };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &mh, flags);

	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

/*
 * The attributes in [p, p + len) by type into tb[0..max]; later ones win.
 * 0, or -EINVAL if one runs past the end.
 */
static int parse_attrs(const char *p, size_t len, const struct nlattr **tb, int max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *na = (const struct nlattr *)p;
		size_t step;
		int type = na->nla_type & NLA_TYPE_MASK;

		if (na->nla_len < NLA_HDRLEN || na->nla_len > len)
			return -EINVAL;
		if (type <= max)
			tb[type] = na;
		step = NLA_ALIGN(na->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static const void *attr_data(const struct nlattr *na)
{
	return (const char *)na + NLA_HDRLEN;
}

static size_t attr_len(const struct nlattr *na)
{
	return na->nla_len - NLA_HDRLEN;
}

/* One AGGR_PID or AGGR_TGID attribute: its id and statistics. */
static int parse_aggregate(const struct nlattr *aggr, enum hf_taskstats_kind kind,
			   hf_taskstats_cb cb, void *ctx)
{
	const struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
	int id_type = kind == HF_TASKSTATS_PID ? TASKSTATS_TYPE_PID : TASKSTATS_TYPE_TGID;
	struct taskstats st;
	struct hf_delay d;
	uint32_t id, tgid = 0;
	size_t n;

	if (parse_attrs(attr_data(aggr), attr_len(aggr), tb, TASKSTATS_TYPE_MAX) ||
	    !tb[id_type] || attr_len(tb[id_type]) < sizeof(id) || !tb[TASKSTATS_TYPE_STATS])
		return -EINVAL;
	memcpy(&id, attr_data(tb[id_type]), sizeof(id));
	/* The structure grows with the kernel's version; ours may be older or newer. */
	n = attr_len(tb[TASKSTATS_TYPE_STATS]);
	if (n < offsetof(struct taskstats, swapin_delay_total) + sizeof(st.swapin_delay_total))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	memcpy(&st, attr_data(tb[TASKSTATS_TYPE_STATS]), n < sizeof(st) ? n : sizeof(st));
	d.count = st.swapin_count;
	d.total_ns = st.swapin_delay_total;
	if (kind == HF_TASKSTATS_TGID)
		tgid = id;
	else if (st.version >= 12 &&
		 n >= offsetof(struct taskstats, ac_tgid) + sizeof(st.ac_tgid))
		tgid = st.ac_tgid;
	cb(ctx, kind, id, tgid, &d);
	return 0;
}

int hf_taskstats_parse(const void *buf, size_t len, uint16_t family, hf_taskstats_cb cb,
		       void *ctx)
{
	const struct nlmsghdr *nh = buf;
	int records = 0;

	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		const struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
		const char *attrs;
		size_t alen;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EINVAL;
			if (e->error)
				return e->error;
			continue;	/* an acknowledgement */
		}
		if (nh->nlmsg_type != family)
			continue;
		if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			return -EINVAL;
		attrs = (const char *)NLMSG_DATA(nh) + GENL_HDRLEN;
		alen = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		if (parse_attrs(attrs, alen, tb, TASKSTATS_TYPE_MAX))
			return -EINVAL;
		/* An exit of a thread group's last task carries both. */
		for (int i = 0; i < 2; i++) {
			enum hf_taskstats_kind kind = i ? HF_TASKSTATS_TGID : HF_TASKSTATS_PID;
			const struct nlattr *aggr = tb[i ? TASKSTATS_TYPE_AGGR_TGID
						       : TASKSTATS_TYPE_AGGR_PID];

			if (!aggr)
				continue;
			if (parse_aggregate(aggr, kind, cb, ctx))
				return -EINVAL;
			records++;
		}
	}
	return records;
}

/* CTRL_CMD_GETFAMILY "TASKSTATS": the family's id, or -errno. */
static int family_id(int fd, char *buf)
{
	static const char name[] = TASKSTATS_GENL_NAME;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	uint16_t id;
	ssize_t n;
	int err;

	err = send_request(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, 1, CTRL_ATTR_FAMILY_NAME,
			   name, sizeof(name));
	if (err)
		return err;
	n = receive(fd, buf, MSG_BUF, 0);
	if (n < 0)
		return n;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EINVAL;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -EINVAL;
	}
	if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    parse_attrs((const char *)NLMSG_DATA(nh) + GENL_HDRLEN,
			nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb, CTRL_ATTR_MAX) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || attr_len(tb[CTRL_ATTR_FAMILY_ID]) < sizeof(id))
		return -EINVAL;
	memcpy(&id, attr_data(tb[CTRL_ATTR_FAMILY_ID]), sizeof(id));
	return id;
}

int hf_taskstats_open(struct hf_taskstats **out)
{
	struct hf_taskstats *ts = calloc(1, sizeof(*ts));
	int id;

	*out = NULL;
	if (!ts || !(ts->buf = malloc(MSG_BUF))) {
		free(ts);
		return -ENOMEM;
	}
	ts->listen_fd = -1;
	ts->query_fd = nl_socket();
	if (ts->query_fd < 0) {
		id = ts->query_fd;
		goto fail;
	}
	id = family_id(ts->query_fd, ts->buf);
	if (id < 0)
		goto fail;
	ts->family = id;
	ts->seq = 1;
	*out = ts;
	return 0;
fail:
	hf_taskstats_close(ts);
	return id;
}

void hf_taskstats_close(struct hf_taskstats *ts)
{
	if (!ts)
		return;
	if (ts->listening)	/* closing would do, at the next exit; be tidy */
		send_request(ts->listen_fd, ts->family, TASKSTATS_CMD_GET, 0, ++ts->seq,
			     TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, ts->cpumask,
			     strlen(ts->cpumask) + 1);
	if (ts->listen_fd >= 0)
		close(ts->listen_fd);
	if (ts->query_fd >= 0)
		close(ts->query_fd);
	free(ts->buf);
	free(ts);
}

struct query {
	enum hf_taskstats_kind kind;
	uint32_t id;
	bool found;
	struct hf_delay d;
};

static void on_reply(void *ctx, enum hf_taskstats_kind kind, uint32_t id, uint32_t tgid,
		     const struct hf_delay *d)
{
	struct query *q = ctx;

	if (kind == q->kind && id == q->id) {
		q->found = true;
		q->d = *d;
	}
}

int hf_taskstats_query(struct hf_taskstats *ts, enum hf_taskstats_kind kind, uint32_t id,
		       struct hf_delay *d)
{
	struct query q = { .kind = kind, .id = id };
	uint32_t seq = ++ts->seq;
	int err;

	err = send_request(ts->query_fd, ts->family, TASKSTATS_CMD_GET, 0, seq,
			   kind == HF_TASKSTATS_PID ? TASKSTATS_CMD_ATTR_PID
						    : TASKSTATS_CMD_ATTR_TGID, &id, sizeof(id));
	if (err)
		return err;
	for (;;) {
		ssize_t n = receive(ts->query_fd, ts->buf, MSG_BUF, 0);
		const struct nlmsghdr *nh = (const struct nlmsghdr *)ts->buf;

		if (n < 0)
			return n == -EAGAIN ? -ETIMEDOUT : n;
		if (!NLMSG_OK(nh, (size_t)n) || nh->nlmsg_seq != seq)
			continue;	/* a late reply to an earlier request */
		err = hf_taskstats_parse(ts->buf, n, ts->family, on_reply, &q);
		if (err < 0)
			return err;
		if (!q.found)
			return -EINVAL;
		*d = q.d;
		return 0;
	}
}

int hf_taskstats_listen(struct hf_taskstats *ts)
{
	char path[512];
	int size = LISTEN_RCVBUF;
	uint32_t seq;
	ssize_t n;
	int err;

	n = hf_read_file(hf_path(path, sizeof(path), "/sys/devices/system/cpu/possible"),
			 ts->cpumask, sizeof(ts->cpumask));
	if (n < 0)
		return n;
	ts->cpumask[strcspn(ts->cpumask, "\n")] = '\0';
	if (ts->listen_fd < 0 && (ts->listen_fd = nl_socket()) < 0) {
		err = ts->listen_fd;
		ts->listen_fd = -1;
		return err;
	}
	/* FORCE goes past rmem_max (needs CAP_NET_ADMIN, as registering does). */
	if (setsockopt(ts->listen_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(ts->listen_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	seq = ++ts->seq;
	err = send_request(ts->listen_fd, ts->family, TASKSTATS_CMD_GET, NLM_F_ACK, seq,
			   TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, ts->cpumask,
			   strlen(ts->cpumask) + 1);
	if (err)
		return err;
	/* The acknowledgement; exit notifications may come before it. */
	for (;;) {
		const struct nlmsghdr *nh = (const struct nlmsghdr *)ts->buf;

		n = receive(ts->listen_fd, ts->buf, MSG_BUF, 0);
		if (n == -ENOBUFS || n == -EMSGSIZE)
			continue;
		if (n < 0)
			return n == -EAGAIN ? -ETIMEDOUT : n;
		if (NLMSG_OK(nh, (size_t)n) && nh->nlmsg_type == NLMSG_ERROR &&
		    nh->nlmsg_seq == seq) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (e->error)
				return e->error;
			ts->listening = true;
			return 0;
		}
	}
}

int hf_taskstats_drain(struct hf_taskstats *ts, hf_taskstats_cb cb, void *ctx)
{
	int records = 0;

	if (!ts->listening)
		return 0;
	for (;;) {
		ssize_t n = receive(ts->listen_fd, ts->buf, MSG_BUF, MSG_DONTWAIT);
		int r;

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return records;
		if (n == -ENOBUFS || n == -EMSGSIZE) {
			ts->lost++;	/* the socket overflowed: some exits are gone */
			continue;
		}
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		r = hf_taskstats_parse(ts->buf, n, ts->family, cb, ctx);
		if (r > 0)
			records += r;
	}
}

uint64_t hf_taskstats_lost(const struct hf_taskstats *ts)
{
	return ts ? ts->lost : 0;
}
