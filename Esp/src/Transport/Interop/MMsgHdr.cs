using System.Runtime.InteropServices;

namespace IpsecFw.Esp.Transport.Interop;

/// <summary><c>struct mmsghdr</c> from <c>&lt;sys/socket.h&gt;</c>: one message of <c>recvmmsg(2)</c>/<c>sendmmsg(2)</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    /// <summary><c>msg_hdr</c>.</summary>
    public MsgHdr Header;

    /// <summary><c>msg_len</c>: bytes received or sent for this message.</summary>
    public uint Length;
}
