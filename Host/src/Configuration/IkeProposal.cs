namespace IpsecFw.Host.Configuration;

/// <summary>A parsed IKE proposal (<c>aes256gcm16-prfsha384-x25519</c>).</summary>
/// <param name="Encryption">The encryption algorithm keyword (an AEAD, or AES-CBC with <paramref name="Integrity"/>).</param>
/// <param name="Integrity">The integrity algorithm keyword, or null with an AEAD.</param>
/// <param name="Prf">The PRF keyword.</param>
/// <param name="KeyExchange">The key exchange method keyword.</param>
public sealed record IkeProposal(string Encryption, string? Integrity, string Prf, string KeyExchange);
