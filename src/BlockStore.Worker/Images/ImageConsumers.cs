using BlockStore.Contracts;
using MassTransit;

namespace BlockStore.Worker.Images;

public sealed class DeleteImageConsumer(ImageService images) : IConsumer<DeleteImage>
{
    public Task Consume(ConsumeContext<DeleteImage> context) => images.DeleteDataAsync(context.Message.ImageId, context.CancellationToken);
}

public sealed class UploadVolumeToImageConsumer(ImageService images) : IConsumer<UploadVolumeToImage>
{
    public Task Consume(ConsumeContext<UploadVolumeToImage> context) =>
        images.UploadVolumeAsync(context.Message.VolumeId, context.Message.ImageId, context.CancellationToken);
}
