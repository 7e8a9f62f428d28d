using System.Runtime.InteropServices;

namespace IpsecFw.Tun.Interop;

/// <summary><c>struct iovec</c> from <c>&lt;sys/uio.h&gt;</c>, for <c>writev(2)</c> of a virtio-net header and a packet.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    /// <summary><c>iov_base</c>.</summary>
    public byte* Base;

    /// <summary><c>iov_len</c>.</summary>
    public nuint Length;
}
