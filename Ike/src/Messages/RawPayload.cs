namespace IpsecFw.Ike.Messages;

/// <summary>One payload as found by <see cref="PayloadReader"/>: its type, critical bit and body, not yet interpreted.</summary>
public readonly ref struct RawPayload
{
    /// <summary>A payload seen at <paramref name="offset"/>.</summary>
    public RawPayload(PayloadType type, bool critical, ReadOnlySpan<byte> body, int offset, PayloadType nextPayloadField)
    {
        Type = type;
        Critical = critical;
        Body = body;
        Offset = offset;
        NextPayloadField = nextPayloadField;
    }

    /// <summary>The payload's type (from the previous Next Payload field).</summary>
    public PayloadType Type { get; }

    /// <summary>The critical bit.</summary>
    public bool Critical { get; }

    /// <summary>The body after the generic header.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Offset of the generic header from the start of the message.</summary>
    public int Offset { get; }

    /// <summary>This payload's own Next Payload field (for SK and SKF: the first inner payload).</summary>
    public PayloadType NextPayloadField { get; }
}
