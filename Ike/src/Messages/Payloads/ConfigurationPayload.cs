namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.15
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C| RESERVED    |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   CFG Type    |                    RESERVED                   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                   Configuration Attributes                    ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Configuration payload, CP (RFC 7296 3.15).</summary>
public sealed class ConfigurationPayload(ConfigurationType configurationType, IReadOnlyList<ConfigurationAttribute> attributes) : IkePayload
{
    /// <summary>Offset of the first attribute in the body.</summary>
    public const int AttributesOffset = 4;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Configuration;

    /// <summary>CFG_REQUEST, CFG_REPLY, CFG_SET or CFG_ACK.</summary>
    public ConfigurationType ConfigurationType { get; } = configurationType;

    /// <summary>The attributes, in order.</summary>
    public IReadOnlyList<ConfigurationAttribute> Attributes { get; } = attributes;

    /// <inheritdoc/>
    public override int GetBodyLength() => AttributesOffset + Attributes.Sum(a => a.GetSerializedLength());

    /// <summary>Decodes the body: the attributes must fill it exactly.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out ConfigurationPayload payload, out IkeDecodeFailure failure)
    {
        payload = null!;
        if (body.Length < AttributesOffset)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        var attributes = new List<ConfigurationAttribute>();
        int offset = AttributesOffset;
        while (offset < body.Length)
        {
            if (attributes.Count == Limits.MaxConfigurationAttributes ||
                !ConfigurationAttribute.TryRead(body[offset..], out ConfigurationAttribute attribute, out int used))
            {
                failure = new IkeDecodeFailure(IkeDecodeError.InvalidConfigurationAttribute, offset);
                return false;
            }

            attributes.Add(attribute);
            offset += used;
        }

        payload = new ConfigurationPayload((ConfigurationType)body[0], attributes);
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < AttributesOffset)
        {
            return false;
        }

        destination[..AttributesOffset].Clear();
        destination[0] = (byte)ConfigurationType;
        int offset = AttributesOffset;
        foreach (ConfigurationAttribute attribute in Attributes)
        {
            if (!attribute.TryWrite(destination[offset..], out int used))
            {
                return false;
            }

            offset += used;
        }

        written = offset;
        return true;
    }
}
