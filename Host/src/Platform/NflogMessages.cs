using System.Buffers.Binary;
using static IpsecFw.Host.Platform.NetlinkBytes;

namespace IpsecFw.Host.Platform;

/// <summary>
/// The nfnetlink_log messages of the daemon's NFLOG reader (linux/netfilter/nfnetlink_log.h, linux/netfilter/nfnetlink.h):
/// the one configuration request that binds a group in packet copy mode, and the reading of what arrives on the
/// socket. A netlink message is <c>nlmsghdr</c> (16 bytes, host byte order), for nfnetlink an <c>nfgenmsg</c> (family,
/// version, <c>res_id</c>: the group, big-endian), then attributes (<c>nlattr</c>: length and type in host byte order,
/// each padded to 4 bytes); the values of nfnetlink_log attributes are big-endian. Never throws, allocates nothing, reads
/// only inside the span.
/// </summary>
internal static class NflogMessages
{
    // <linux/netlink.h>
    private const int NlMsgHdrLength = 16;
    private const ushort NlmsgError = 2;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFAck = 0x4;
    private const ushort NlaTypeMask = 0x3FFF; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER

    // <linux/netfilter/nfnetlink.h>: the message type is the subsystem in the high byte, its message in the low one.
    private const int NfGenMsgLength = 4;
    private const ushort NfnlSubsysUlog = 4;
    private const ushort MsgPacket = (NfnlSubsysUlog << 8) | 0; // NFULNL_MSG_PACKET
    private const ushort MsgConfig = (NfnlSubsysUlog << 8) | 1; // NFULNL_MSG_CONFIG

    // enum nfulnl_attr_config
    private const ushort CfgCmd = 1;
    private const ushort CfgMode = 2;
    private const ushort CfgQthresh = 5;
    private const byte CfgCmdBind = 1;
    private const byte CopyPacket = 2;

    // enum nfulnl_attr_type
    private const ushort AttrIfindexIndev = 4;
    private const ushort AttrIfindexOutdev = 5;
    private const ushort AttrPayload = 9;
    private const ushort AttrPrefix = 10;

    /// <summary>The length of <see cref="WriteBind"/>'s request.</summary>
    public const int BindRequestLength = NlMsgHdrLength + NfGenMsgLength + 8 + 12 + 8;

    /// <summary>
    /// Writes one <c>NFULNL_MSG_CONFIG</c> request (with <c>NLM_F_ACK</c>: the kernel answers with an <c>NLMSG_ERROR</c>,
    /// errno 0 on success) that binds <paramref name="group"/> to this socket (<c>NFULNL_CFG_CMD_BIND</c>), asks for the
    /// first <paramref name="copyRange"/> bytes of each packet (<c>NFULA_CFG_MODE</c>, <c>NFULNL_COPY_PACKET</c>) and for
    /// each packet to be sent at once (<c>NFULA_CFG_QTHRESH</c> 1). The kernel applies the attributes in that order.
    /// </summary>
    public static void WriteBind(Span<byte> destination, uint sequence, ushort group, uint copyRange)
    {
        Span<byte> m = destination[..BindRequestLength];
        m.Clear();
        WriteHost32(m, 0, BindRequestLength);
        WriteHost16(m, 4, MsgConfig);
        WriteHost16(m, 6, NlmFRequest | NlmFAck);
        WriteHost32(m, 8, sequence);

        // nfgenmsg: AF_UNSPEC, NFNETLINK_V0, the group.
        BinaryPrimitives.WriteUInt16BigEndian(m[(NlMsgHdrLength + 2)..], group);
        int at = NlMsgHdrLength + NfGenMsgLength;

        // NFULA_CFG_CMD: struct nfulnl_msg_config_cmd { __u8 command; } (5 bytes, padded to 8).
        WriteHost16(m, at, 5);
        WriteHost16(m, at + 2, CfgCmd);
        m[at + 4] = CfgCmdBind;
        at += 8;

        // NFULA_CFG_MODE: struct nfulnl_msg_config_mode { __be32 copy_range; __u8 copy_mode; __u8 _pad; } (10 bytes, padded to 12).
        WriteHost16(m, at, 10);
        WriteHost16(m, at + 2, CfgMode);
        BinaryPrimitives.WriteUInt32BigEndian(m[(at + 4)..], copyRange);
        m[at + 8] = CopyPacket;
        at += 12;

        // NFULA_CFG_QTHRESH: __be32.
        WriteHost16(m, at, 8);
        WriteHost16(m, at + 2, CfgQthresh);
        BinaryPrimitives.WriteUInt32BigEndian(m[(at + 4)..], 1);
    }

    /// <summary>
    /// Reads the netlink message at <paramref name="offset"/> of <paramref name="datagram"/> and moves the offset past
    /// it (to the end after <see cref="NflogStatus.BadMessageLength"/>: nothing after a bad length can be trusted).
    /// <paramref name="errno"/> is the positive errno of an <see cref="NflogStatus.Error"/>, <paramref name="sequence"/>
    /// the message's sequence number.
    /// </summary>
    public static NflogStatus Read(ReadOnlySpan<byte> datagram, ref int offset, out NflogPacket packet, out int errno, out uint sequence)
    {
        packet = default;
        errno = 0;
        sequence = 0;
        if (offset >= datagram.Length)
        {
            return NflogStatus.End;
        }

        ReadOnlySpan<byte> rest = datagram[offset..];
        if (rest.Length < NlMsgHdrLength)
        {
            offset = datagram.Length;
            return NflogStatus.BadMessageLength;
        }

        uint length = ReadHost32(rest, 0);
        if (length < NlMsgHdrLength || length > rest.Length)
        {
            offset = datagram.Length;
            return NflogStatus.BadMessageLength;
        }

        // NLMSG_ALIGN: the next message starts on a multiple of 4 (the last one may end without padding).
        offset += (int)Math.Min((length + 3) & ~3u, (uint)rest.Length);
        ushort type = ReadHost16(rest, 4);
        sequence = ReadHost32(rest, 8);
        ReadOnlySpan<byte> body = rest[NlMsgHdrLength..(int)length];
        if (type == NlmsgError)
        {
            // struct nlmsgerr { int error; struct nlmsghdr msg; }: error is 0 for an acknowledgement.
            if (body.Length < sizeof(int))
            {
                return NflogStatus.BadAttribute;
            }

            errno = -(int)ReadHost32(body, 0);
            return errno == 0 ? NflogStatus.Other : NflogStatus.Error;
        }

        if (type != MsgPacket)
        {
            return NflogStatus.Other;
        }

        return ReadPacket(body, out packet);
    }

    private static NflogStatus ReadPacket(ReadOnlySpan<byte> body, out NflogPacket packet)
    {
        packet = default;
        if (body.Length < NfGenMsgLength)
        {
            return NflogStatus.BadAttribute;
        }

        byte family = body[0];
        ushort group = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
        ReadOnlySpan<byte> prefix = default, payload = default;
        bool hasPrefix = false, hasPayload = false;
        uint inDevice = 0, outDevice = 0;
        int at = NfGenMsgLength;
        while (at < body.Length)
        {
            if (body.Length - at < 4)
            {
                return NflogStatus.BadAttribute;
            }

            int length = ReadHost16(body, at);
            ushort type = (ushort)(ReadHost16(body, at + 2) & NlaTypeMask);
            if (length < 4 || length > body.Length - at)
            {
                return NflogStatus.BadAttribute;
            }

            ReadOnlySpan<byte> value = body.Slice(at + 4, length - 4);
            switch (type)
            {
                case AttrPrefix:
                    prefix = value;
                    hasPrefix = true;
                    break;
                case AttrPayload:
                    payload = value;
                    hasPayload = true;
                    break;
                case AttrIfindexIndev or AttrIfindexOutdev:
                    if (value.Length != sizeof(uint))
                    {
                        return NflogStatus.BadAttribute;
                    }

                    uint index = BinaryPrimitives.ReadUInt32BigEndian(value);
                    if (type == AttrIfindexIndev)
                    {
                        inDevice = index;
                    }
                    else
                    {
                        outDevice = index;
                    }

                    break;
            }

            at += Math.Min((length + 3) & ~3, body.Length - at);
        }

        if (!hasPayload)
        {
            return NflogStatus.NoPayload;
        }

        if (!hasPrefix)
        {
            return NflogStatus.NoPrefix;
        }

        packet = new NflogPacket(family, group, prefix, payload, inDevice, outDevice);
        return NflogStatus.Packet;
    }
}
