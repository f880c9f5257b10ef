import { ApiProperty } from '@nestjs/swagger';

import { TextField } from '../../common/validation/text.decorators';

export class CreateProjectDto {
  @ApiProperty({ example: 'Website relaunch', maxLength: 200 })
  @TextField({ max: 200 })
  name!: string;
}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() createdAt!: string;
}

export class ProjectListDto {
  @ApiProperty({ type: [ProjectDto] }) data!: ProjectDto[];
}
