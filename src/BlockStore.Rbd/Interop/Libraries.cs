namespace BlockStore.Rbd.Interop;

/// <summary>Native library names, in one place.</summary>
internal static class Libraries
{
    // The versioned sonames ship in librbd1/librados2; the unversioned names exist only with the -dev packages.
    internal const string Rbd = "librbd.so.1";
    internal const string Rados = "librados.so.2";
}
