using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace IpsecFw.Tun.Interop;

/// <summary>A Wintun session; released with <c>WintunEndSession</c>, which also invalidates its read-wait event.</summary>
[SupportedOSPlatform("windows")]
internal sealed class WintunSessionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an invalid handle (for the marshaller).</summary>
    public WintunSessionHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="handle"/>.</summary>
    public WintunSessionHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        Wintun.EndSession(handle);
        return true;
    }
}
