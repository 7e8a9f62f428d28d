using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.Host.Configuration;

/// <summary>Reads the CA certificate files the configuration names (<c>policy.pull.caCertificates</c>, <c>events.syslog[].caCertificates</c>).</summary>
internal static class CertificateFiles
{
    /// <summary>Every certificate of a PEM file (one or more <c>CERTIFICATE</c> blocks), or the one of a DER file.</summary>
    public static X509Certificate2Collection Read(string path)
    {
        var collection = new X509Certificate2Collection();
        if (File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            collection.ImportFromPemFile(path);
        }
        else
        {
            collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        return collection;
    }
}
