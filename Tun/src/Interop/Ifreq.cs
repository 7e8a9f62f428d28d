using System.Runtime.InteropServices;
using System.Text;

namespace IpsecFw.Tun.Interop;

/// <summary>
/// <c>struct ifreq</c> from <c>&lt;net/if.h&gt;</c> (40 bytes on LP64): the name, then a 24-byte union of which we use
/// <c>ifru_flags</c> (short, for TUNSETIFF) and <c>ifru_mtu</c> (int, for SIOCSIFMTU/SIOCGIFMTU).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct Ifreq
{
    /// <summary>Offset of the union after the name.</summary>
    private const int UnionOffset = IfName.Size;

    /// <summary><c>ifr_name</c>.</summary>
    [FieldOffset(0)]
    public IfName Name;

    /// <summary><c>ifr_flags</c>.</summary>
    [FieldOffset(UnionOffset)]
    public short Flags;

    /// <summary><c>ifr_mtu</c>.</summary>
    [FieldOffset(UnionOffset)]
    public int Mtu;

    /// <summary>Sets the name; false when it does not fit (15 bytes of ASCII at most) or is not plain ASCII.</summary>
    public bool TrySetName(string name)
    {
        Span<byte> dest = Name;
        dest.Clear();
        if (name.Length >= IfName.Size || !Ascii.IsValid(name))
        {
            return false;
        }

        return Encoding.ASCII.GetBytes(name, dest) == name.Length;
    }

    /// <summary>The name up to the first NUL.</summary>
    public readonly string GetName()
    {
        ReadOnlySpan<byte> src = Name;
        int end = src.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? src : src[..end]);
    }
}
