/* Copyright 2026 the wskemu authors. MIT license.
 * The WSK provider dispatch tables a client receives. Every entry is an
 * imported host function, so Socket->Dispatch->WskSend(...) is a plain
 * call_indirect into wskemu. WskSendEx/WskReceiveEx are reserved, as in the
 * WDK; the host fails them with STATUS_NOT_SUPPORTED. */
#include "rt.h"

#define HOST(Type, Name) extern __typeof__(*(Type)0) host##Name RT_IMPORT(Name)

HOST(PFN_WSK_SOCKET, WskSocket);
HOST(PFN_WSK_SOCKET_CONNECT, WskSocketConnect);
HOST(PFN_WSK_CONTROL_CLIENT, WskControlClient);
HOST(PFN_WSK_GET_ADDRESS_INFO, WskGetAddressInfo);
HOST(PFN_WSK_FREE_ADDRESS_INFO, WskFreeAddressInfo);
HOST(PFN_WSK_GET_NAME_INFO, WskGetNameInfo);
HOST(PFN_WSK_CONTROL_SOCKET, WskControlSocket);
HOST(PFN_WSK_CLOSE_SOCKET, WskCloseSocket);
HOST(PFN_WSK_BIND, WskBind);
HOST(PFN_WSK_CONNECT, WskConnect);
HOST(PFN_WSK_CONNECT_EX, WskConnectEx);
HOST(PFN_WSK_LISTEN, WskListen);
HOST(PFN_WSK_ACCEPT, WskAccept);
HOST(PFN_WSK_INSPECT_COMPLETE, WskInspectComplete);
HOST(PFN_WSK_SEND, WskSend);
HOST(PFN_WSK_RECEIVE, WskReceive);
HOST(PFN_WSK_DISCONNECT, WskDisconnect);
HOST(PFN_WSK_RELEASE_DATA_INDICATION_LIST, WskRelease);
HOST(PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST, WskReleaseDatagram);
HOST(PFN_WSK_GET_LOCAL_ADDRESS, WskGetLocalAddress);
HOST(PFN_WSK_GET_REMOTE_ADDRESS, WskGetRemoteAddress);
HOST(PFN_WSK_SEND_TO, WskSendTo);
HOST(PFN_WSK_RECEIVE_FROM, WskReceiveFrom);
HOST(PFN_WSK_SEND_MESSAGES, WskSendMessages);
HOST(PFN_WSK_SEND_EX, WskSendEx);
HOST(PFN_WSK_RECEIVE_EX, WskReceiveEx);

const WSK_PROVIDER_DISPATCH rtProviderDispatch = {
    MAKE_WSK_VERSION(1, 0), 0, hostWskSocket, hostWskSocketConnect, hostWskControlClient,
    hostWskGetAddressInfo,  hostWskFreeAddressInfo, hostWskGetNameInfo,
};

const WSK_PROVIDER_BASIC_DISPATCH rtBasicDispatch = {hostWskControlSocket, hostWskCloseSocket};

const WSK_PROVIDER_LISTEN_DISPATCH rtListenDispatch = {
    .Basic = {hostWskControlSocket, hostWskCloseSocket},
    .WskBind = hostWskBind,
    .WskAccept = hostWskAccept,
    .WskInspectComplete = hostWskInspectComplete,
    .WskGetLocalAddress = hostWskGetLocalAddress,
};

const WSK_PROVIDER_CONNECTION_DISPATCH rtConnectionDispatch = {
    .Basic = {hostWskControlSocket, hostWskCloseSocket},
    .WskBind = hostWskBind,
    .WskConnect = hostWskConnect,
    .WskGetLocalAddress = hostWskGetLocalAddress,
    .WskGetRemoteAddress = hostWskGetRemoteAddress,
    .WskSend = hostWskSend,
    .WskReceive = hostWskReceive,
    .WskDisconnect = hostWskDisconnect,
    .WskRelease = hostWskRelease,
    .WskConnectEx = hostWskConnectEx,
    .WskSendEx = hostWskSendEx,
    .WskReceiveEx = hostWskReceiveEx,
};

const WSK_PROVIDER_DATAGRAM_DISPATCH rtDatagramDispatch = {
    .Basic = {hostWskControlSocket, hostWskCloseSocket},
    .WskBind = hostWskBind,
    .WskSendTo = hostWskSendTo,
    .WskReceiveFrom = hostWskReceiveFrom,
    .WskRelease = hostWskReleaseDatagram,
    .WskGetLocalAddress = hostWskGetLocalAddress,
    .WskSendMessages = hostWskSendMessages,
};

const WSK_PROVIDER_STREAM_DISPATCH rtStreamDispatch = {
    .Basic = {hostWskControlSocket, hostWskCloseSocket},
    .WskBind = hostWskBind,
    .WskAccept = hostWskAccept,
    .WskConnect = hostWskConnect,
    .WskListen = hostWskListen,
    .WskSend = hostWskSend,
    .WskReceive = hostWskReceive,
    .WskDisconnect = hostWskDisconnect,
    .WskRelease = hostWskRelease,
    .WskGetLocalAddress = hostWskGetLocalAddress,
    .WskGetRemoteAddress = hostWskGetRemoteAddress,
    .WskConnectEx = hostWskConnectEx,
    .WskSendEx = hostWskSendEx,
    .WskReceiveEx = hostWskReceiveEx,
};
