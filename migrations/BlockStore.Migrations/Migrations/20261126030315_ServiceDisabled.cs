using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ServiceDisabled : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "disabled",
                schema: "blockstore",
                table: "services",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "disabled_reason",
                schema: "blockstore",
                table: "services",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "disabled",
                schema: "blockstore",
                table: "services");

            migrationBuilder.DropColumn(
                name: "disabled_reason",
                schema: "blockstore",
                table: "services");
        }
    }
}
