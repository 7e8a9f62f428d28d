namespace IpsecFw.Ike.Auth;

/// <summary>The padding of an RSA signature.</summary>
internal enum RsaPadding
{
    /// <summary>Not RSA.</summary>
    None,

    /// <summary>RSASSA-PKCS1-v1_5.</summary>
    Pkcs1,

    /// <summary>RSASSA-PSS, MGF1 with the same hash, salt as long as the hash.</summary>
    Pss,
}
