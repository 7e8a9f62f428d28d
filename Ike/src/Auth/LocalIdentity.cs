using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Auth;

/// <summary>The identity this side puts in its ID payload (RFC 7296 3.5).</summary>
/// <param name="Type">The ID type.</param>
/// <param name="Data">The identification data, as on the wire.</param>
public sealed record LocalIdentity(IdType Type, byte[] Data);
