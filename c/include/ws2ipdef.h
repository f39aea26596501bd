/* Copyright 2026 the wskemu authors. MIT license.
 * ws2ipdef.h for wskemu: IPv6 addresses, SOCKADDR_IN6 (28 bytes), IP-level
 * options and the IN4ADDR_ / IN6ADDR_ helpers of mstcpip.h. */
#ifndef _WS2IPDEF_
#define _WS2IPDEF_
#include "ws2def.h"

typedef struct in6_addr {
  union {
    UCHAR Byte[16];
    USHORT Word[8];
  } u;
} IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;
#define in_addr6 in6_addr
#define _S6_un u
#define _S6_u8 Byte
#define s6_addr _S6_un._S6_u8
#define s6_bytes u.Byte
#define s6_words u.Word

typedef struct sockaddr_in6 {
  ADDRESS_FAMILY sin6_family;
  USHORT sin6_port;
  ULONG sin6_flowinfo;
  IN6_ADDR sin6_addr;
  union {
    ULONG sin6_scope_id;
    SCOPE_ID sin6_scope_struct;
  };
} SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH, SOCKADDR_IN6, *PSOCKADDR_IN6;

typedef union _SOCKADDR_INET {
  SOCKADDR_IN Ipv4;
  SOCKADDR_IN6 Ipv6;
  ADDRESS_FAMILY si_family;
} SOCKADDR_INET, *PSOCKADDR_INET;

C_ASSERT(sizeof(SOCKADDR_IN6) == 28);
C_ASSERT(sizeof(IN6_ADDR) == 16);

/* IPPROTO_IP options */
#define IP_OPTIONS 1
#define IP_HDRINCL 2
#define IP_TOS 3
#define IP_TTL 4
#define IP_MULTICAST_IF 9
#define IP_MULTICAST_TTL 10
#define IP_MULTICAST_LOOP 11
#define IP_ADD_MEMBERSHIP 12
#define IP_DROP_MEMBERSHIP 13
#define IP_DONTFRAGMENT 14
#define IP_PKTINFO 19
/* IPPROTO_IPV6 options */
#define IPV6_HOPLIMIT 21
#define IPV6_UNICAST_HOPS 4
#define IPV6_PKTINFO 19
#define IPV6_V6ONLY 27
/* IPPROTO_TCP options */
#define TCP_NODELAY 0x0001
#define TCP_EXPEDITED_1122 0x0002
#define TCP_KEEPALIVE 3
#define TCP_MAXSEG 4
#define TCP_MAXRT 5
#define TCP_KEEPCNT 16
#define TCP_KEEPIDLE TCP_KEEPALIVE
#define TCP_KEEPINTVL 17

typedef struct in_pktinfo {
  IN_ADDR ipi_addr;
  ULONG ipi_ifindex;
} IN_PKTINFO, *PIN_PKTINFO;
typedef struct in6_pktinfo {
  IN6_ADDR ipi6_addr;
  ULONG ipi6_ifindex;
} IN6_PKTINFO, *PIN6_PKTINFO;

/* mstcpip.h helpers. */
static inline VOID IN4ADDR_SETANY(PSOCKADDR_IN a) {
  a->sin_family = AF_INET;
  a->sin_port = 0;
  a->sin_addr.s_addr = INADDR_ANY;
  __builtin_memset(a->sin_zero, 0, sizeof(a->sin_zero));
}
static inline VOID IN4ADDR_SETLOOPBACK(PSOCKADDR_IN a) {
  a->sin_family = AF_INET;
  a->sin_port = 0;
  a->sin_addr.s_addr = __builtin_bswap32(INADDR_LOOPBACK);
  __builtin_memset(a->sin_zero, 0, sizeof(a->sin_zero));
}
static inline VOID IN6ADDR_SETANY(PSOCKADDR_IN6 a) {
  __builtin_memset(a, 0, sizeof(*a));
  a->sin6_family = AF_INET6;
}
static inline VOID IN6ADDR_SETLOOPBACK(PSOCKADDR_IN6 a) {
  __builtin_memset(a, 0, sizeof(*a));
  a->sin6_family = AF_INET6;
  a->sin6_addr.u.Byte[15] = 1;
}
static inline BOOLEAN IN6_IS_ADDR_UNSPECIFIED(const IN6_ADDR *a) {
  for (int i = 0; i < 16; i++)
    if (a->u.Byte[i] != 0) return FALSE;
  return TRUE;
}
static inline BOOLEAN IN6_IS_ADDR_LOOPBACK(const IN6_ADDR *a) {
  for (int i = 0; i < 15; i++)
    if (a->u.Byte[i] != 0) return FALSE;
  return a->u.Byte[15] == 1;
}

#endif
