using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Benchmarks;

/// <summary>
/// One complete IKE SA setup as the IKE issue's rate target defines it: IKE_SA_INIT + IKE_AUTH with ECDSA P-256
/// certificates (chain validation, RFC 7427 signatures), ECP-256, AES-GCM-16-256, one CHILD_SA, both sides in this
/// process on one thread, messages handed over in memory (no sockets, no kernel). The reciprocal of the mean is the
/// setups per second one core does; bench/ike-rate.sh puts it beside strongSwan's rate measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class IkeSetupBenchmarks
{
    private static readonly IPEndPoint Left = new(IPAddress.Parse("198.18.0.1"), 500);
    private static readonly IPEndPoint Right = new(IPAddress.Parse("198.18.0.2"), 500);
    private IkeSaConfig _initiator = null!;
    private IkeSaConfig _responder = null!;
    private readonly MemoryHost _left = new();
    private readonly MemoryHost _right = new();

    [Params("ecdsa-p256", "psk")]
    public string Auth { get; set; } = "ecdsa-p256";

    [GlobalSetup]
    public void Setup()
    {
        (IReadOnlyList<Proposal> ike, IReadOnlyList<Proposal> esp) = IkeSaConfig.ParseProposals("aes256gcm16-prfsha256-ecp256", "aes256gcm16");
        IIkeAuthenticator a, b;
        if (Auth == "psk")
        {
            byte[] psk = RandomNumberGenerator.GetBytes(32);
            a = new PskAuthenticator(psk, IdentityText.Parse("left.example.com"));
            b = new PskAuthenticator(psk, IdentityText.Parse("right.example.com"));
        }
        else
        {
            using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Bench CA, O=Example", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            TrustStore trust = TrustStore.FromDer([ca.RawData]);
            a = new CertificateAuthenticator(Issue(ca, caKey, "left.example.com"), trust, new CertificateAuthenticatorOptions { Revocation = RevocationPolicy.None });
            b = new CertificateAuthenticator(Issue(ca, caKey, "right.example.com"), trust, new CertificateAuthenticatorOptions { Revocation = RevocationPolicy.None });
        }

        _initiator = new IkeSaConfig { Authenticator = a, IkeProposals = ike, EspProposals = esp };
        _responder = new IkeSaConfig { Authenticator = b, IkeProposals = ike, EspProposals = esp };
        if (Setup1() != IkeSaState.Established)
        {
            throw new InvalidOperationException("the setup does not establish");
        }
    }

    [Benchmark]
    public IkeSaState Setup1()
    {
        IkeSa i = IkeSa.Initiate(_initiator, _left, Left, Right);
        IkeSa? r = null;
        for (int n = 0; n < 8; n++)
        {
            if (_left.Outbox.TryDequeue(out byte[]? toRight))
            {
                if (r is null)
                {
                    Ike.Messages.IkeMessage.TryDecode(toRight, out Ike.Messages.IkeMessage m, out _);
                    r = IkeSa.Respond(_responder, _right, toRight, m, Right, Left, null, out _);
                }
                else
                {
                    r.Receive(toRight, Right, Left);
                }
            }
            else if (_right.Outbox.TryDequeue(out byte[]? toLeft))
            {
                i.Receive(toLeft, Left, Right);
            }
        }

        IkeSaState state = i.State;
        i.Close("bench");
        r?.Close("bench");
        return state;
    }

    private static LocalCredentials Issue(X509Certificate2 ca, ECDsa caKey, string name)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256); // owned by the credentials from here
        var request = new CertificateRequest($"CN={name}, O=Example", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using X509Certificate2 cert = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(300), RandomNumberGenerator.GetBytes(8));
        return LocalCredentials.FromKey(cert.RawData, key);
    }

    private sealed class MemoryHost : IIkeSaHost
    {
        private uint _spi = 0x1000;

        public Queue<byte[]> Outbox { get; } = new();

        public TimeProvider Time => TimeProvider.System;

        public void FillRandom(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

        public void Send(IkeSa sa, byte[] message, IPEndPoint local, IPEndPoint remote) => Outbox.Enqueue(message);

        public uint AllocateChildSpi() => ++_spi;

        public void ReleaseChildSpi(uint spi)
        {
        }

        public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason)
        {
            reason = string.Empty;
            return true;
        }

        public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
            out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr)
        {
            narrowedTsi = tsi;
            narrowedTsr = tsr;
            return true;
        }

        public void OnEstablished(IkeSa sa)
        {
        }

        public void OnChildSaUp(IkeSa sa, ChildSa child)
        {
        }

        public void OnChildSaOutboundActive(IkeSa sa, ChildSa child)
        {
        }

        public void OnRekeyed(IkeSa old, IkeSa replacement)
        {
        }

        public void OnChildSaDown(IkeSa sa, ChildSa child)
        {
        }

        public void OnClosed(IkeSa sa, string reason)
        {
        }
    }
}
