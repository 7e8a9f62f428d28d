namespace IpsecFw.Ike.Messages;

/// <summary>Transform type 5 identifiers (RFC 7296 3.3.2).</summary>
public enum ExtendedSequenceNumbers : ushort
{
    /// <summary>No Extended Sequence Numbers.</summary>
    NoEsn = 0,

    /// <summary>Extended Sequence Numbers.</summary>
    Esn = 1,
}
