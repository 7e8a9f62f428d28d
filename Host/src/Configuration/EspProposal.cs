namespace IpsecFw.Host.Configuration;

/// <summary>A parsed ESP proposal (<c>aes256gcm16-x25519-esn</c>).</summary>
/// <param name="Encryption">The AEAD keyword.</param>
/// <param name="KeyExchange">The key exchange for PFS on CREATE_CHILD_SA, or null.</param>
/// <param name="ExtendedSequenceNumbers">True for <c>esn</c>, false for <c>noesn</c> or neither.</param>
public sealed record EspProposal(string Encryption, string? KeyExchange, bool ExtendedSequenceNumbers);
