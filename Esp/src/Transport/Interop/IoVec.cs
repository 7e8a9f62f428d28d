using System.Runtime.InteropServices;

namespace IpsecFw.Esp.Transport.Interop;

/// <summary><c>struct iovec</c> from <c>&lt;sys/uio.h&gt;</c>: one piece of a scatter/gather buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    /// <summary><c>iov_base</c>.</summary>
    public byte* Base;

    /// <summary><c>iov_len</c>.</summary>
    public nuint Length;
}
