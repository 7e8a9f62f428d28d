using System.Runtime.CompilerServices;

namespace IpsecFw.Tun.Interop;

/// <summary><c>char ifr_name[IFNAMSIZ]</c>: an interface name, NUL-terminated, at most 15 bytes.</summary>
[InlineArray(Size)]
internal struct IfName
{
    /// <summary>IFNAMSIZ from <c>&lt;net/if.h&gt;</c>, including the terminating NUL.</summary>
    public const int Size = 16;

    private byte _element0;
}
