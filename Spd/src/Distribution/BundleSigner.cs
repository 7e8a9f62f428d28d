namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The administrator's side: makes key pairs and signed bundles (<c>ipsecfw policy sign</c>). Hosts never hold the
/// private key; they check bundles with <see cref="BundleVerifier"/>.
/// </summary>
public static class BundleSigner
{
    /// <summary>
    /// A new Ed25519 key pair: the private key, whose <see cref="BundlePrivateKey.PublicKey"/> goes to every host.
    /// Dispose the private key (which zeroes it) when done.
    /// </summary>
    public static BundlePrivateKey GenerateKeyPair() => BundlePrivateKey.Generate();

    /// <summary>A new key pair of <paramref name="algorithm"/> (Ed25519 or ECDSA P-256).</summary>
    public static BundlePrivateKey GenerateKeyPair(BundleAlgorithm algorithm) => BundlePrivateKey.Generate(algorithm);

    /// <summary>
    /// Signs <paramref name="policy"/> into a bundle. Times are kept to the whole second (truncated). The serial must
    /// be greater than that of every bundle signed before for the same hosts (a timestamp or a counter kept by the
    /// administrator); hosts refuse anything else as a rollback.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The serial is 0, or a time is before 1970.</exception>
    /// <exception cref="ArgumentException">The expiry is not after the issue time.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public static PolicyBundle Sign(BundlePrivateKey key, CompiledPolicy policy, ulong serial, DateTimeOffset issuedAt,
        DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfZero(serial);
        long issued = issuedAt.ToUnixTimeSeconds();
        long expires = expiresAt.ToUnixTimeSeconds();
        ArgumentOutOfRangeException.ThrowIfNegative(issued, nameof(issuedAt));
        if (expires <= issued)
        {
            throw new ArgumentException("the expiry must be at least a second after the issue time", nameof(expiresAt));
        }

        (byte[] unsigned, int signedLength) = PolicyBundle.EncodeForSigning(
            key.Algorithm, serial, issued, expires, key.PublicKey.KeyId, policy, 0);
        byte[] signature = key.Sign(unsigned.AsSpan(0, signedLength));
        byte[] buffer = new byte[signedLength + BundleLayout.TrailerLength + signature.Length];
        unsigned.AsSpan(0, signedLength).CopyTo(buffer);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(signedLength), (ushort)signature.Length);
        signature.CopyTo(buffer, signedLength + BundleLayout.TrailerLength);
        if (!PolicyBundle.TryDecode(buffer, out PolicyBundle? bundle, out BundleError? error))
        {
            throw new InvalidOperationException("the bundle just signed does not decode: " + error.Message);
        }

        return bundle;
    }
}
