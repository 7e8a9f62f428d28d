using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// This side's certificate, private key (RSA of at least 2048 bits, or ECDSA on P-256/P-384/P-521), intermediates and
/// local ID. Immutable after loading; the key is used through the platform's thread-safe one-shot signing calls.
/// <see cref="Dispose"/> frees the key (the platform zeroes it) and must run after the last <c>Sign</c>.
/// </summary>
public sealed class LocalCredentials : IDisposable
{
    /// <summary>Smallest RSA modulus accepted for a local key.</summary>
    public const int MinRsaKeySize = 2048;

    private LocalCredentials(AsymmetricAlgorithm key, IReadOnlyList<byte[]> chain, LocalIdentity localId, string subject)
    {
        PrivateKey = key;
        CertificateChain = chain;
        LocalId = localId;
        Subject = subject;
    }

    /// <summary>The end-entity certificate, then the intermediates, DER.</summary>
    public IReadOnlyList<byte[]> CertificateChain { get; }

    /// <summary>The ID payload to send: by default the certificate's subject as DER_ASN1_DN (strongSwan's default).</summary>
    public LocalIdentity LocalId { get; }

    /// <summary>The certificate's subject in RFC 4514 form (for logs).</summary>
    public string Subject { get; }

    /// <summary>The private key (<see cref="RSA"/> or <see cref="ECDsa"/>).</summary>
    internal AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>
    /// Loads PEM files: the certificate (the first CERTIFICATE block), its private key (PKCS#8 "PRIVATE KEY", SEC1 "EC
    /// PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"; not encrypted) and intermediates. <paramref name="localId"/> chooses
    /// another ID than the subject DN (<see cref="IdentityText"/> syntax: an FQDN, e-mail or IP address, which must then
    /// be in the certificate's subjectAltName). Every problem is a <see cref="CredentialException"/> naming the file.
    /// </summary>
    public static LocalCredentials Load(string certificatePemPath, string privateKeyPemPath,
        IEnumerable<string>? intermediatePemPaths = null, string? localId = null)
    {
        ArgumentNullException.ThrowIfNull(certificatePemPath);
        ArgumentNullException.ThrowIfNull(privateKeyPemPath);
        byte[] certDer = PemFile.ReadCertificates(certificatePemPath)[0];
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(certDer);
        }
        catch (CryptographicException e)
        {
            throw new CredentialException(certificatePemPath, "the certificate does not parse", e);
        }

        using (certificate)
        {
            AsymmetricAlgorithm? key = LoadPrivateKey(privateKeyPemPath, certificate);
            try
            {
                var chain = new List<byte[]> { certDer };
                foreach (string path in intermediatePemPaths ?? [])
                {
                    foreach (byte[] der in PemFile.ReadCertificates(path))
                    {
                        if (!CertificateInfo.TryParse(der, out _))
                        {
                            throw new CredentialException(path, "an intermediate certificate does not parse");
                        }

                        chain.Add(der);
                    }
                }

                LocalCredentials credentials = Create(certificatePemPath, certDer, key, chain, localId);
                key = null;
                return credentials;
            }
            finally
            {
                key?.Dispose();
            }
        }
    }

    /// <summary>
    /// Credentials from memory. On success the key is taken over and disposed with these credentials; on a
    /// <see cref="CredentialException"/> the caller still owns it. Same checks as <see cref="Load"/>.
    /// </summary>
    public static LocalCredentials FromKey(byte[] certificateDer, AsymmetricAlgorithm privateKey,
        IEnumerable<byte[]>? intermediatesDer = null, string? localId = null)
    {
        ArgumentNullException.ThrowIfNull(certificateDer);
        ArgumentNullException.ThrowIfNull(privateKey);
        var chain = new List<byte[]> { certificateDer };
        chain.AddRange(intermediatesDer ?? []);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        }
        catch (CryptographicException e)
        {
            throw new CredentialException("(memory)", "the certificate does not parse", e);
        }

        using (certificate)
        {
            CheckKey("(memory)", privateKey, certificate);
        }

        return Create("(memory)", certificateDer, privateKey, chain, localId);
    }

    /// <summary>Frees the private key.</summary>
    public void Dispose() => PrivateKey.Dispose();

    private static LocalCredentials Create(string path, byte[] certDer, AsymmetricAlgorithm key, List<byte[]> chain, string? localId)
    {
        if (!CertificateInfo.TryParse(certDer, out CertificateInfo? info))
        {
            throw new CredentialException(path, "the certificate does not parse");
        }

        LocalIdentity id = new(IdType.DerAsn1Dn, info!.SubjectDer);
        if (localId is not null)
        {
            try
            {
                id = IdentityText.Parse(localId);
            }
            catch (FormatException e)
            {
                throw new CredentialException(path, $"the local ID '{localId}' does not parse", e);
            }

            // RFC 4945 3.1: the ID must be backed by the certificate, or the peer refuses it.
            if (!IdentityMatcher.Matches(id.Type, id.Data, info))
            {
                throw new CredentialException(path, id.Type == IdType.DerAsn1Dn
                    ? $"the local ID '{localId}' is not the certificate's subject"
                    : $"the local ID '{localId}' is not in the certificate's subjectAltName");
            }
        }

        return new LocalCredentials(key, chain, id, info.SubjectText);
    }

    private static AsymmetricAlgorithm LoadPrivateKey(string path, X509Certificate2 certificate)
    {
        byte[] bytes = PemFile.ReadBytes(path);
        List<PemFile.Block> blocks = [];
        try
        {
            blocks = PemFile.ReadBlocks(path, bytes);
            PemFile.Block? block = null;
            foreach (PemFile.Block b in blocks)
            {
                if (b.Label is "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY")
                {
                    block = b;
                    break;
                }

                if (b.Label == "ENCRYPTED PRIVATE KEY")
                {
                    throw new CredentialException(path, "encrypted private keys are not supported; store the key unencrypted with mode 0600");
                }
            }

            if (block is null)
            {
                throw new CredentialException(path, "no PEM PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block found");
            }

            bool certIsRsa = certificate.PublicKey.Oid.Value == "1.2.840.113549.1.1.1";
            AsymmetricAlgorithm? key = null;
            try
            {
                key = certIsRsa ? RSA.Create() : ECDsa.Create();
                switch (block.Value.Label, key)
                {
                    case ("PRIVATE KEY", _):
                        key.ImportPkcs8PrivateKey(block.Value.Der, out _);
                        break;
                    case ("RSA PRIVATE KEY", RSA rsa):
                        rsa.ImportRSAPrivateKey(block.Value.Der, out _);
                        break;
                    case ("EC PRIVATE KEY", ECDsa ec):
                        ec.ImportECPrivateKey(block.Value.Der, out _);
                        break;
                    default:
                        throw new CredentialException(path, $"a {block.Value.Label} does not fit the certificate's {(certIsRsa ? "RSA" : "EC")} key");
                }

                CheckKey(path, key, certificate);
                AsymmetricAlgorithm loaded = key;
                key = null;
                return loaded;
            }
            catch (CryptographicException e)
            {
                throw new CredentialException(path, $"the private key does not parse as the certificate's {(certIsRsa ? "RSA" : "EC")} key type", e);
            }
            finally
            {
                key?.Dispose();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            foreach (PemFile.Block b in blocks)
            {
                CryptographicOperations.ZeroMemory(b.Der);
            }
        }
    }

    private static void CheckKey(string path, AsymmetricAlgorithm key, X509Certificate2 certificate)
    {
        switch (key)
        {
            case RSA rsa when rsa.KeySize < MinRsaKeySize:
                throw new CredentialException(path, $"the RSA key has {rsa.KeySize} bits; at least {MinRsaKeySize} are required");
            case ECDsa ec when AuthSignatures.EcdsaMethodOf(ec) is null:
                throw new CredentialException(path, "the ECDSA key is not on P-256, P-384 or P-521");
            case RSA or ECDsa:
                break;
            default:
                throw new CredentialException(path, "only RSA and ECDSA keys are supported");
        }

        byte[] fromKey = key.ExportSubjectPublicKeyInfo();
        byte[] fromCert = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        if (!fromKey.AsSpan().SequenceEqual(fromCert))
        {
            throw new CredentialException(path, "the private key does not belong to the certificate");
        }
    }
}
