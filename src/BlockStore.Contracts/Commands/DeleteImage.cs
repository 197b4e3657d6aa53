namespace BlockStore.Contracts;

/// <summary>Remove the data of an image whose record is gone: at once, or once the volumes cloned from it are gone.</summary>
public sealed record DeleteImage(Guid ImageId);
