using System.Security.Cryptography;
using System.Text;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// Pre-shared key authentication (RFC 7296 2.15): AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), signed octets),
/// method 2. The peer's identity is its ID payload, optionally required to equal a configured remote ID. Thread-safe;
/// <see cref="Dispose"/> zeroes the secret and must not race with <see cref="Sign"/> or <see cref="Verify"/>.
/// </summary>
public sealed class PskAuthenticator : IIkeAuthenticator, IDisposable
{
    // RFC 7296 2.15: the 17 ASCII characters, without a terminating NUL.
    private static readonly byte[] s_keyPad = Encoding.ASCII.GetBytes("Key Pad for IKEv2");

    private readonly byte[] _secret;
    private readonly LocalIdentity? _expectedRemoteId;
    private bool _disposed;

    /// <summary>A PSK authenticator.</summary>
    /// <param name="sharedSecret">The shared secret (copied; the caller may zero its copy).</param>
    /// <param name="localId">This side's ID payload.</param>
    /// <param name="expectedRemoteId">When set, the peer's ID must equal it (else <see cref="AuthFailure.NotAllowed"/>).</param>
    public PskAuthenticator(ReadOnlySpan<byte> sharedSecret, LocalIdentity localId, LocalIdentity? expectedRemoteId = null)
    {
        ArgumentNullException.ThrowIfNull(localId);
        if (sharedSecret.IsEmpty)
        {
            throw new ArgumentException("The pre-shared key must not be empty.", nameof(sharedSecret));
        }

        _secret = sharedSecret.ToArray();
        LocalId = localId;
        _expectedRemoteId = expectedRemoteId;
    }

    /// <inheritdoc/>
    public LocalIdentity LocalId { get; }

    /// <inheritdoc/>
    public IReadOnlyList<CertPayload> LocalCertificates => [];

    /// <inheritdoc/>
    public CertReqPayload? CertificateRequest => null;

    /// <inheritdoc/>
    public IReadOnlyList<ushort> SupportedSignatureHashes => [];

    /// <inheritdoc/>
    public AuthPayload Sign(ReadOnlySpan<byte> signedOctets, IReadOnlyList<ushort> peerSignatureHashes, Prf prf)
    {
        ArgumentNullException.ThrowIfNull(prf);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, Compute(signedOctets, prf));
    }

    /// <inheritdoc/>
    public AuthVerification Verify(IdPayload peerId, IReadOnlyList<CertPayload> peerCertificates, AuthPayload auth,
        ReadOnlySpan<byte> signedOctets, Prf prf)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentNullException.ThrowIfNull(prf);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string who = PeerIdentities.Describe(peerId.IdType, peerId.Data);
        if (auth.Method != AuthMethod.SharedKeyMessageIntegrityCode)
        {
            return AuthVerification.Fail(AuthFailure.UnsupportedMethod,
                $"Peer {who} used AUTH method {(int)auth.Method} where a pre-shared key (method 2) is configured.");
        }

        byte[] expected = Compute(signedOctets, prf);
        bool match = CryptographicOperations.FixedTimeEquals(expected, auth.Data);
        CryptographicOperations.ZeroMemory(expected);
        if (!match)
        {
            return AuthVerification.Fail(AuthFailure.BadSignature, $"Peer {who}: the pre-shared key AUTH value does not match.");
        }

        if (_expectedRemoteId is not null && !IdentityMatcher.IdsEqual(_expectedRemoteId.Type, _expectedRemoteId.Data, peerId.IdType, peerId.Data))
        {
            return AuthVerification.Fail(AuthFailure.NotAllowed,
                $"Peer {who} is not the configured remote identity {PeerIdentities.Describe(_expectedRemoteId.Type, _expectedRemoteId.Data)}.");
        }

        return AuthVerification.Success(PeerIdentities.FromId(peerId.IdType, peerId.Data),
            $"Peer {who} authenticated with a pre-shared key.");
    }

    /// <summary>Zeroes the secret.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_secret);
    }

    // RFC 7296 2.15: AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <InitiatorSignedOctets>).
    private byte[] Compute(ReadOnlySpan<byte> signedOctets, Prf prf)
    {
        Span<byte> padded = stackalloc byte[prf.OutputLength];
        try
        {
            prf.Compute(_secret, s_keyPad, padded);
            return prf.Compute(padded, signedOctets);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }
}
