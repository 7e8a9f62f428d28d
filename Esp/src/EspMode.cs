namespace IpsecFw.Esp;

/// <summary>RFC 4303 3.1: where the ESP header goes.</summary>
public enum EspMode : byte
{
    /// <summary>The whole inner IP packet is protected and a new outer IP header is added (RFC 4303 3.1.2).</summary>
    Tunnel,

    /// <summary>The ESP header follows the original IP header and protects its upper-layer payload (RFC 4303 3.1.1).</summary>
    Transport,
}
