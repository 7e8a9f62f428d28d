namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>A credential file in a swanctl directory, e.g. <c>x509ca/ca.pem</c>, <c>private/host.pem</c>, <c>x509crl/ca.crl</c>.</summary>
/// <param name="RelativePath">The path below the swanctl directory.</param>
/// <param name="Content">The file's text (PEM).</param>
public sealed record SwanctlFile(string RelativePath, string Content);
