/*
 * T_NETID: a restored guest takes its own name and address. Every copy of a snapshot wakes up
 * with its source's hostname, MAC and IPv4 address; the host sends this sandbox's, and the agent
 * applies them with a few system calls (no process is started: under TCG each fork and exec costs
 * tens of milliseconds, which is most of a restore's identity phase when done by a shell script).
 */
#include "agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct netid_req {
    char *hostname, *mac, *addr, *gateway; /* addr "a.b.c.d/prefix"; mac, addr and gateway all or none */
};

static void netid_free(struct netid_req *r)
{
    free(r->hostname);
    free(r->mac);
    free(r->addr);
    free(r->gateway);
}

/* 0, or -1 with *err a static sentence. */
static int netid_parse(const uint8_t *p, size_t n, struct netid_req *r, const char **err)
{
    struct field_iter it = { p, n };
    uint8_t key;
    const uint8_t *val;
    uint32_t len;
    int rc;
    memset(r, 0, sizeof *r);
    while ((rc = field_next(&it, &key, &val, &len)) == 1) {
        char **slot = key == F_HOSTNAME ? &r->hostname : key == F_MAC ? &r->mac : key == F_ADDR ? &r->addr
                    : key == F_GATEWAY ? &r->gateway : NULL;
        if (!slot)
            continue;
        free(*slot);
        *slot = NULL;
        if (field_str(val, len, slot) < 0) {
            *err = "a network identity field is not a string";
            return -1;
        }
    }
    if (rc < 0) {
        *err = "the network identity request is truncated";
        return -1;
    }
    if (!r->hostname || !*r->hostname || strlen(r->hostname) > 64) {
        *err = "a network identity needs a hostname of 1 to 64 bytes";
        return -1;
    }
    if ((r->mac != NULL) != (r->addr != NULL) || (r->addr != NULL) != (r->gateway != NULL)) {
        *err = "a network identity has a MAC, an address and a gateway, or none of them";
        return -1;
    }
    return 0;
}

#ifndef SMOLVM_AGENT_CONFINE
/* The first interface that is not loopback (the guest has one NIC), by index: SIOCGIFNAME for
 * each, not if_nameindex(), whose netlink dumps of every link and address were ~8% of the kernel
 * code a restore's identity made its new QEMU translate. */
static int first_nic(int fd, char name[IF_NAMESIZE])
{
    for (int i = 1; i <= 64; i++) {
        struct ifreq r;
        memset(&r, 0, sizeof r);
        r.ifr_ifindex = i;
        if (ioctl(fd, SIOCGIFNAME, &r) < 0)
            continue; /* no interface has this index */
        if (ioctl(fd, SIOCGIFFLAGS, &r) == 0 && !(r.ifr_flags & IFF_LOOPBACK)) {
            snprintf(name, IF_NAMESIZE, "%s", r.ifr_name);
            return 0;
        }
    }
    return -1;
}

static void set_in(struct sockaddr *sa, in_addr_t a)
{
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    memset(in, 0, sizeof *in);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = a;
}

/* 0, or -1 with errno set and *what the step that failed. */
static int apply_net(const struct netid_req *r, const char **what)
{
    unsigned m[6];
    char ip[32];
    int prefix;
    struct in_addr addr, gw;
    *what = "the network identity is malformed";
    if (sscanf(r->mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6
        || sscanf(r->addr, "%31[0-9.]/%d", ip, &prefix) != 2 || prefix < 1 || prefix > 32
        || inet_pton(AF_INET, ip, &addr) != 1 || inet_pton(AF_INET, r->gateway, &gw) != 1) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    *what = "cannot open a socket to configure the network";
    if (fd < 0)
        return -1;
    int rc = -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    *what = "the guest has no network interface";
    if (first_nic(fd, ifr.ifr_name) < 0) {
        errno = ENODEV;
        goto out;
    }
    *what = "cannot read the interface's flags";
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        goto out;
    short up = ifr.ifr_flags;
    struct ifreq hw = ifr;
    hw.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    for (int i = 0; i < 6; i++)
        hw.ifr_hwaddr.sa_data[i] = (char)m[i];
    /* virtio-net changes its MAC while up (IFF_LIVE_ADDR_CHANGE; the change flushes the ARP
     * table), which spares a restore the down/up paths of the qdisc, link watch and every
     * protocol's notifier, each translated afresh by a restored QEMU. A NIC that cannot (EBUSY)
     * is taken down for it and brought up again below. */
    int was_down = 0;
    *what = "cannot set the MAC address";
    if (ioctl(fd, SIOCSIFHWADDR, &hw) < 0) {
        if (errno != EBUSY)
            goto out;
        ifr.ifr_flags = (short)(up & ~IFF_UP);
        *what = "cannot take the interface down";
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
            goto out;
        was_down = 1;
        *what = "cannot set the MAC address";
        if (ioctl(fd, SIOCSIFHWADDR, &hw) < 0)
            goto out;
    }
    /* Replaces the copied address; removing an interface's last address drops its routes (the
     * old gateway's default route among them), so the default route is added again below. */
    set_in(&ifr.ifr_addr, addr.s_addr);
    *what = "cannot set the IPv4 address";
    if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
        goto out;
    set_in(&ifr.ifr_netmask, htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)));
    *what = "cannot set the netmask";
    if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
        goto out;
    if (was_down || !(up & IFF_UP)) {
        ifr.ifr_flags = (short)(up | IFF_UP);
        *what = "cannot bring the interface up";
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
            goto out;
    }
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    set_in(&rt.rt_dst, INADDR_ANY);
    set_in(&rt.rt_genmask, INADDR_ANY);
    set_in(&rt.rt_gateway, gw.s_addr);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = ifr.ifr_name;
    *what = "cannot add the default route";
    if (ioctl(fd, SIOCADDRT, &rt) < 0 && errno != EEXIST)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    close(fd);
    return 0;
}
#endif

void netid_apply(struct agent *a, uint32_t id, const uint8_t *p, size_t n)
{
    struct netid_req r;
    const char *err;
    if (netid_parse(p, n, &r, &err) < 0) {
        netid_free(&r);
        send_error_code(a, id, "EINVAL", err);
        return;
    }
#ifdef SMOLVM_AGENT_CONFINE
    netid_free(&r);
    send_error_code(a, id, "EACCES", "outside the test confinement"); /* never the test host's name or network */
#else
    const char *what = NULL;
    int fail = 0;
    if (sethostname(r.hostname, strlen(r.hostname)) < 0) {
        what = "cannot set the hostname";
        fail = errno;
    } else {
        int fd = open("/etc/hostname", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t len = strlen(r.hostname);
        if (fd < 0 || write(fd, r.hostname, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
            what = "cannot write /etc/hostname";
            fail = errno ? errno : EIO;
        }
        if (fd >= 0)
            close(fd);
    }
    if (!fail && r.addr && apply_net(&r, &what) < 0)
        fail = errno;
    netid_free(&r);
    if (fail) {
        send_error(a, id, fail, what);
        return;
    }
    send_frame(a, T_NETID_DONE, id, NULL, 0);
#endif
}
