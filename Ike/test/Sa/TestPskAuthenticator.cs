using System.Security.Cryptography;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>
/// A minimal RFC 7296 2.15 shared-key authenticator for stepping the state machine, independent of the production
/// credential layer: AUTH = prf(prf(PSK, "Key Pad for IKEv2"), octets), ID type FQDN.
/// </summary>
internal sealed class TestPskAuthenticator(string fqdn, string psk) : IIkeAuthenticator
{
    private static readonly byte[] s_keyPad = Encoding.ASCII.GetBytes("Key Pad for IKEv2");
    private readonly byte[] _psk = Encoding.UTF8.GetBytes(psk);

    public LocalIdentity LocalId { get; } = new(IdType.Fqdn, Encoding.ASCII.GetBytes(fqdn));

    public IReadOnlyList<CertPayload> LocalCertificates => [];

    public CertReqPayload? CertificateRequest => null;

    public IReadOnlyList<ushort> SupportedSignatureHashes => [];

    public AuthPayload Sign(ReadOnlySpan<byte> signedOctets, IReadOnlyList<ushort> peerSignatureHashes, Prf prf) =>
        new(AuthMethod.SharedKeyMessageIntegrityCode, Compute(signedOctets, prf));

    public AuthVerification Verify(IdPayload peerId, IReadOnlyList<CertPayload> peerCertificates, AuthPayload auth, ReadOnlySpan<byte> signedOctets, Prf prf)
    {
        if (auth.Method != AuthMethod.SharedKeyMessageIntegrityCode)
        {
            return AuthVerification.Fail(AuthFailure.UnsupportedMethod, "not PSK");
        }

        if (!CryptographicOperations.FixedTimeEquals(auth.Data, Compute(signedOctets, prf)))
        {
            return AuthVerification.Fail(AuthFailure.BadSignature, "PSK AUTH does not verify");
        }

        string name = Encoding.ASCII.GetString(peerId.Data);
        return AuthVerification.Success(new PeerIdentity { SubjectDn = name, CommonName = name, DnsNames = [name] }, "PSK");
    }

    private byte[] Compute(ReadOnlySpan<byte> octets, Prf prf) => prf.Compute(prf.Compute(_psk, s_keyPad), octets);
}
