namespace IpsecFw.Esp.Sa;

/// <summary>What an SA reports upwards, once each, so the IKE layer can rekey before traffic stops.</summary>
public enum EspLifetimeEvent : byte
{
    /// <summary>A soft limit (packets, bytes, time, or 15/16 of the sequence space) was reached: rekey now.</summary>
    Soft,

    /// <summary>A hard limit was reached, or the sequence space ran out: the SA processes nothing more.</summary>
    Hard,
}
