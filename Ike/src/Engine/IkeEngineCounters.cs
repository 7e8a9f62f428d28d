namespace IpsecFw.Ike.Engine;

/// <summary>What the engine dropped or refused before any SA saw it, by reason; for <c>ipsecfw status</c>.</summary>
public sealed class IkeEngineCounters
{
    /// <summary>Datagrams received.</summary>
    public long Received { get; internal set; }

    /// <summary>Too short for an IKE header, or not IKEv2.</summary>
    public long DroppedMalformed { get; internal set; }

    /// <summary>For an SPI we do not know.</summary>
    public long DroppedUnknownSpi { get; internal set; }

    /// <summary>IKE_SA_INIT refused because the half-open limit was reached.</summary>
    public long DroppedHalfOpenLimit { get; internal set; }

    /// <summary>IKE_SA_INIT without a valid cookie while cookies were required.</summary>
    public long CookiesSent { get; internal set; }

    /// <summary>IKE_SA_INIT requests refused statelessly (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, invalid).</summary>
    public long InitRefused { get; internal set; }

    /// <summary>Datagrams the work queue had no room for.</summary>
    public long DroppedQueueFull { get; internal set; }
}
