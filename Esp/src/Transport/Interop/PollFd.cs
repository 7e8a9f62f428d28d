using System.Runtime.InteropServices;

namespace IpsecFw.Esp.Transport.Interop;

/// <summary><c>struct pollfd</c> from <c>&lt;poll.h&gt;</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    /// <summary><c>fd</c>.</summary>
    public int Fd;

    /// <summary><c>events</c> requested.</summary>
    public short Events;

    /// <summary><c>revents</c> returned.</summary>
    public short Revents;
}
