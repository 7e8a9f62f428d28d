using System.Buffers.Binary;
using static IpsecFw.Host.Platform.NetlinkBytes;

namespace IpsecFw.Host.Platform;

/// <summary>
/// The two messages of a <c>sock_diag</c> look-up of one socket (linux/inet_diag.h, linux/sock_diag.h): a
/// <c>SOCK_DIAG_BY_FAMILY</c> request carrying an <c>inet_diag_req_v2</c> for one exact socket id, and its answer, an
/// <c>inet_diag_msg</c> or an <c>NLMSG_ERROR</c>. Netlink's own fields are in host byte order, ports and addresses in
/// network byte order.
/// </summary>
/// <remarks>
/// For TCP the kernel looks the id up as (<c>idiag_src</c> = local, <c>idiag_dst</c> = remote) with <c>inet_lookup</c>,
/// which falls back to the listening socket; for UDP <c>udp_dump_one</c> passes <c>idiag_src</c> as the packet's
/// source, i.e. the remote side ("src and dst are swapped for historical reasons", net/ipv4/udp_diag.c), and finds a
/// bound, unconnected socket too. <see cref="WriteRequest"/> takes care of the swap.
/// </remarks>
internal static class SockDiag
{
    // struct nlmsghdr { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; };
    public const int NlMsgHdrLength = 16;
    private const int NlTypeOffset = sizeof(uint);
    private const int NlFlagsOffset = NlTypeOffset + sizeof(ushort);
    private const int NlSeqOffset = NlFlagsOffset + sizeof(ushort);
    private const int NlPidOffset = NlSeqOffset + sizeof(uint);

    // struct inet_diag_sockid { __be16 sport; __be16 dport; __be32 src[4]; __be32 dst[4]; __u32 if; __u32 cookie[2]; };
    private const int IdSportOffset = 0;
    private const int IdDportOffset = IdSportOffset + sizeof(ushort);
    private const int IdSrcOffset = IdDportOffset + sizeof(ushort);
    private const int IdDstOffset = IdSrcOffset + 16;
    private const int IdIfOffset = IdDstOffset + 16;
    private const int IdCookieOffset = IdIfOffset + sizeof(uint);
    private const int SockIdLength = IdCookieOffset + (2 * sizeof(uint));

    // struct inet_diag_req_v2 { __u8 sdiag_family; __u8 sdiag_protocol; __u8 idiag_ext; __u8 pad; __u32 idiag_states; struct inet_diag_sockid id; };
    private const int ReqFamilyOffset = NlMsgHdrLength;
    private const int ReqProtocolOffset = ReqFamilyOffset + 1;
    private const int ReqStatesOffset = ReqFamilyOffset + 4;
    private const int ReqIdOffset = ReqStatesOffset + sizeof(uint);

    /// <summary>The request's length: the netlink header and an <c>inet_diag_req_v2</c> (16 + 56 bytes).</summary>
    public const int RequestLength = ReqIdOffset + SockIdLength;

    // struct inet_diag_msg { __u8 family, state, timer, retrans; struct inet_diag_sockid id; __u32 expires, rqueue, wqueue, uid, inode; };
    private const int MsgIdOffset = 4;
    private const int MsgUidOffset = MsgIdOffset + SockIdLength + (3 * sizeof(uint));
    private const int MsgInodeOffset = MsgUidOffset + sizeof(uint);
    private const int MsgLength = MsgInodeOffset + sizeof(uint);

    public const ushort NlmsgError = 2;
    public const ushort NlmsgDone = 3;
    public const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 1;
    private const uint InetDiagNoCookie = uint.MaxValue;
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;
    private static readonly UInt128 s_v4Prefix = (UInt128)0xFFFF << 32;

    /// <summary>What one answer message says.</summary>
    public enum Answer : byte
    {
        /// <summary>The socket: inode and uid.</summary>
        Socket,

        /// <summary>An <c>NLMSG_ERROR</c> with a non-zero errno.</summary>
        Error,

        /// <summary>Not an answer to this request, or malformed.</summary>
        Other,
    }

    /// <summary>
    /// Writes the look-up of the socket of a TCP or UDP flow (IPv4 when both addresses are <c>::ffff:a.b.c.d</c>,
    /// else IPv6) into <paramref name="destination"/> (at least <see cref="RequestLength"/> bytes).
    /// </summary>
    public static void WriteRequest(Span<byte> destination, uint sequence, byte protocol, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort)
    {
        Span<byte> m = destination[..RequestLength];
        m.Clear();
        WriteHost32(m, 0, RequestLength);
        WriteHost16(m, NlTypeOffset, SockDiagByFamily);
        WriteHost16(m, NlFlagsOffset, NlmFRequest);
        WriteHost32(m, NlSeqOffset, sequence);
        WriteHost32(m, NlPidOffset, 0);
        bool v4 = IsV4(local) && IsV4(remote);
        m[ReqFamilyOffset] = v4 ? AfInet : AfInet6;
        m[ReqProtocolOffset] = protocol;
        WriteHost32(m, ReqStatesOffset, uint.MaxValue);
        Span<byte> id = m.Slice(ReqIdOffset, SockIdLength);
        bool swap = protocol == Spd.Runtime.IpProtocol.Udp;
        (UInt128 src, ushort sport, UInt128 dst, ushort dport) = swap ? (remote, remotePort, local, localPort) : (local, localPort, remote, remotePort);
        BinaryPrimitives.WriteUInt16BigEndian(id[IdSportOffset..], sport);
        BinaryPrimitives.WriteUInt16BigEndian(id[IdDportOffset..], dport);
        WriteAddress(id.Slice(IdSrcOffset, 16), src, v4);
        WriteAddress(id.Slice(IdDstOffset, 16), dst, v4);
        WriteHost32(id, IdCookieOffset, InetDiagNoCookie);
        WriteHost32(id, IdCookieOffset + sizeof(uint), InetDiagNoCookie);
    }

    /// <summary>
    /// Reads the first netlink message of <paramref name="datagram"/>: the socket's inode and uid, or the errno of an
    /// error (positive), for the request numbered <paramref name="sequence"/>; anything else is <see cref="Answer.Other"/>.
    /// </summary>
    public static Answer ReadAnswer(ReadOnlySpan<byte> datagram, uint sequence, out uint inode, out int uid, out int errno)
    {
        inode = 0;
        uid = -1;
        errno = 0;
        if (datagram.Length < NlMsgHdrLength)
        {
            return Answer.Other;
        }

        uint length = ReadHost32(datagram, 0);
        ushort type = ReadHost16(datagram, NlTypeOffset);
        if (length < NlMsgHdrLength || length > datagram.Length || ReadHost32(datagram, NlSeqOffset) != sequence)
        {
            return Answer.Other;
        }

        ReadOnlySpan<byte> body = datagram[NlMsgHdrLength..(int)length];
        if (type == NlmsgError)
        {
            if (body.Length < sizeof(int))
            {
                return Answer.Other;
            }

            errno = -(int)ReadHost32(body, 0);
            return errno == 0 ? Answer.Other : Answer.Error;
        }

        if (type != SockDiagByFamily || body.Length < MsgLength)
        {
            return Answer.Other;
        }

        uid = (int)ReadHost32(body, MsgUidOffset);
        inode = ReadHost32(body, MsgInodeOffset);
        return Answer.Socket;
    }

    private static bool IsV4(UInt128 address) => address >> 32 == s_v4Prefix >> 32;

    private static void WriteAddress(Span<byte> destination, UInt128 address, bool v4)
    {
        if (v4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, address);
        }
    }
}
