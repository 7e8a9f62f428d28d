namespace IpsecFw.Esp;

/// <summary>An SA protects one direction (RFC 4301 4.1).</summary>
public enum EspDirection : byte
{
    /// <summary>Packets we receive and open.</summary>
    Inbound,

    /// <summary>Packets we seal and send.</summary>
    Outbound,
}
