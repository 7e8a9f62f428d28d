namespace IpsecFw.Spd.Language;

/// <summary>How a refused connection is answered.</summary>
public enum DenyResponse
{
    /// <summary>Silently discarded (the default): a scanner learns nothing.</summary>
    Drop,

    /// <summary>Refused visibly: TCP RST, or ICMP "administratively prohibited" for other protocols.</summary>
    Reject,
}
