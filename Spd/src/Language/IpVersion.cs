namespace IpsecFw.Spd.Language;

/// <summary>The address family of an address group.</summary>
public enum IpVersion
{
    /// <summary><c>IPv4{...}</c></summary>
    V4,

    /// <summary><c>IPv6{...}</c></summary>
    V6,
}
