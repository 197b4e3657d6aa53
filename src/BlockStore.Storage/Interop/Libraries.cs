namespace BlockStore.Storage.Interop;

/// <summary>Native library names, kept in one place.</summary>
internal static class Libraries
{
    // The versioned name: the bare "libc.so" is a linker script that exists only with libc6-dev.
    internal const string Libc = "libc.so.6";
}
