using System.Runtime.InteropServices;

namespace IpsecFw.Esp.Transport.Interop;

/// <summary><c>struct msghdr</c> from <c>&lt;sys/socket.h&gt;</c> (Linux, LP64 and ILP32 alike: the padding follows the pointer size).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    /// <summary><c>msg_name</c>: the peer's address (source on receive, destination on send).</summary>
    public byte* Name;

    /// <summary><c>msg_namelen</c>: room on receive, then the address's length.</summary>
    public uint NameLength;

    /// <summary><c>msg_iov</c>.</summary>
    public IoVec* Iov;

    /// <summary><c>msg_iovlen</c>.</summary>
    public nuint IovLength;

    /// <summary><c>msg_control</c>: ancillary data (the UDP GSO segment size on send).</summary>
    public byte* Control;

    /// <summary><c>msg_controllen</c>.</summary>
    public nuint ControlLength;

    /// <summary><c>msg_flags</c>: set by the kernel on receive (<c>MSG_TRUNC</c>...).</summary>
    public int Flags;
}
